namespace Fanout.Database;

/// <summary>What happens to a row whose primary key is already in the table.</summary>
public enum InsertMode
{
    /// <summary>Plain insert: a duplicate key is a rejected row.</summary>
    Insert,

    /// <summary>Update the existing row with the new values.</summary>
    Upsert,

    /// <summary>Keep the existing row; the new one is counted as ignored.</summary>
    Ignore,
}
