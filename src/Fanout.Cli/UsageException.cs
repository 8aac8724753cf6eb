namespace Fanout.Cli;

/// <summary>Bad arguments or unreadable input: reported in one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
