namespace Fanout.Cli;

/// <summary>
/// Bad arguments or unreadable input: exit code 2, each problem on its own line ("fanout: " and escaping for the terminal
/// are added where it is printed).
/// </summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : this([message])
    {
    }

    public UsageException(IEnumerable<string> problems)
        : this([.. problems])
    {
    }

    private UsageException(string[] problems)
        : base(string.Join('\n', problems)) => Problems = problems;

    /// <summary>One line per problem, unescaped.</summary>
    public IReadOnlyList<string> Problems { get; }
}
