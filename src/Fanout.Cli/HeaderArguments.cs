using Fanout.Http;

namespace Fanout.Cli;

/// <summary>The <c>-H 'Name: value'</c> option values of http and download, expanded from the environment.</summary>
internal static class HeaderArguments
{
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(IEnumerable<string>? values, Func<string, string?> environment)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var value in values ?? [])
        {
            try
            {
                headers.Add(HeaderSpec.Parse(value, environment));
            }
            catch (FormatException ex)
            {
                throw new UsageException($"--header: {ex.Message}");
            }
        }

        return headers;
    }
}
