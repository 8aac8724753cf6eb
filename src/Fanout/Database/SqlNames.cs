namespace Fanout.Database;

/// <summary>Identifiers quoted for SQL, so any column name from a record is safe in a statement.</summary>
internal static class SqlNames
{
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>CREATE TABLE IF NOT EXISTS with the columns and key; <paramref name="declared"/> names each type in the database's dialect.</summary>
    public static string CreateTable(string table, TableSchema schema, IReadOnlyList<string> primaryKey, Func<ColumnType, string> declared)
    {
        var columns = schema.Columns.Select(c => $"{Quote(c.Key)} {declared(c.Value)}");
        var key = primaryKey.Count == 0 ? string.Empty : $", PRIMARY KEY ({string.Join(", ", primaryKey.Select(Quote))})";
        return $"CREATE TABLE IF NOT EXISTS {Quote(table)} ({string.Join(", ", columns)}{key})";
    }
}
