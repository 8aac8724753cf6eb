namespace Fanout.Database;

/// <summary>Identifiers quoted for SQL, so any column name from a record is safe in a statement.</summary>
internal static class SqlNames
{
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
