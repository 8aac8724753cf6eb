namespace Fanout.Records;

/// <summary>An input line that cannot become a work item; reported as <c>file:line: reason</c>, counted and skipped.</summary>
public sealed class InputFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="location">The <c>file:line</c> of the bad line.</param>
    /// <param name="reason">Why it was rejected.</param>
    public InputFormatException(string location, string reason)
        : base($"{location}: {reason}")
    {
        Location = location;
        Reason = reason;
    }

    /// <summary>Creates the exception with no location.</summary>
    public InputFormatException()
        : this("?", "invalid input")
    {
    }

    /// <summary>Creates the exception with no location.</summary>
    /// <param name="message">Why it was rejected.</param>
    public InputFormatException(string message)
        : this("?", message)
    {
    }

    /// <summary>Creates the exception with no location.</summary>
    /// <param name="message">Why it was rejected.</param>
    /// <param name="innerException">The underlying error.</param>
    public InputFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Location = "?";
        Reason = message;
    }

    /// <summary>The <c>file:line</c> of the bad line.</summary>
    public string Location { get; }

    /// <summary>Why it was rejected.</summary>
    public string Reason { get; }
}
