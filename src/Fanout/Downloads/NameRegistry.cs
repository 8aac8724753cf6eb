namespace Fanout.Downloads;

/// <summary>
/// The names taken in this run, so two downloads that want the same name get <c>name.ext</c> and
/// <c>name (1).ext</c> instead of overwriting each other.
/// </summary>
internal sealed class NameRegistry
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Takes <paramref name="wanted"/>, or the first free <c>wanted (n)</c>, where <paramref name="isFree"/> also says whether a file on disk is in the way.</summary>
    public string Claim(string wanted, Func<string, bool> isFree)
    {
        lock (_gate)
        {
            for (var n = 0; ; n++)
            {
                var candidate = n == 0 ? wanted : FileNames.Numbered(wanted, n);
                if (!_taken.Contains(candidate) && isFree(candidate))
                {
                    _taken.Add(candidate);
                    return candidate;
                }
            }
        }
    }
}
