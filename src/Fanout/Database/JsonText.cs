namespace Fanout.Database;

/// <summary>A nested object or array, kept as its JSON text.</summary>
/// <param name="Json">The JSON.</param>
public sealed record JsonText(string Json)
{
    /// <inheritdoc/>
    public override string ToString() => Json;
}
