namespace Fanout.Database;

/// <summary>Identifiers quoted for SQL, so any column name from a record is safe in a statement.</summary>
internal static partial class SqlNames
{
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A table name, <c>table</c> or <c>schema.table</c>, each part quoted.</summary>
    public static string Table(string name) => string.Join('.', name.Split('.').Select(Quote));

    /// <summary>The schema and table of <c>schema.table</c>; <see langword="null"/> as the schema for a plain name.</summary>
    public static (string? Schema, string Table) Split(string name) =>
        name.IndexOf('.', StringComparison.Ordinal) is var dot and > 0 ? (name[..dot], name[(dot + 1)..]) : (null, name);

    /// <summary>
    /// Whether a table name is one fanout takes: letters, digits and <c>_</c> (not first a digit), optionally after a
    /// schema of the same. Such a name needs no quoting to be read back in SQL, and other names are refused rather than
    /// quoted silently ('bad name; drop' would otherwise become a table of that name).
    /// </summary>
    public static bool IsPlainTable(string name) => PlainTable().IsMatch(name);

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")]
    private static partial System.Text.RegularExpressions.Regex PlainTable();

    /// <summary>CREATE TABLE IF NOT EXISTS with the columns and key; <paramref name="declared"/> names each type in the database's dialect.</summary>
    public static string CreateTable(string table, TableSchema schema, IReadOnlyList<string> primaryKey, Func<ColumnType, string> declared)
    {
        var columns = schema.Columns.Select(c => $"{Quote(c.Key)} {declared(c.Value)}");
        var key = primaryKey.Count == 0 ? string.Empty : $", PRIMARY KEY ({string.Join(", ", primaryKey.Select(Quote))})";
        return $"CREATE TABLE IF NOT EXISTS {Table(table)} ({string.Join(", ", columns)}{key})";
    }
}
