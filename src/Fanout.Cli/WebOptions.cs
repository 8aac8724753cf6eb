using System.CommandLine;
using Fanout.Web;

namespace Fanout.Cli;

/// <summary>The options http and download share: request headers, the per-host limit and trusted redirects, with the same names and meaning in both.</summary>
internal sealed class WebOptions
{
    /// <param name="defaultPerHost">The per-host limit by default; <see langword="null"/> for none.</param>
    /// <param name="noun">What is limited, for the help ("requests", "downloads").</param>
    public WebOptions(int? defaultPerHost, string noun)
    {
        Headers = new("--header", "-H")
        {
            Description = "Header 'Name: value' for every request, repeatable; $VAR and ${VAR} are read from the environment so tokens stay out of files ($$ for a literal $)",
            AllowMultipleArgumentsPerToken = false,
            HelpName = "'NAME: VALUE'",
        };
        PerHost = new("--per-host") { Description = $"At most N {noun} in flight to one host:port", HelpName = "N" };
        LocationTrusted = new("--location-trusted")
        {
            Description = "Send credentials (Authorization, Cookie, and every -H built from a $VAR) on redirects to other hosts too; by default they are dropped there, as curl does",
        };
        if (defaultPerHost is { } perHost)
        {
            PerHost.DefaultValueFactory = _ => perHost;
        }
    }

    public Option<string[]> Headers { get; }

    public Option<int?> PerHost { get; }

    public Option<bool> LocationTrusted { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(Headers);
        command.Options.Add(PerHost);
        command.Options.Add(LocationTrusted);
    }

    /// <summary>The headers (expanded from <paramref name="environment"/>) and the per-host limit; a bad one is a <see cref="UsageException"/>.</summary>
    public (IReadOnlyList<RequestHeader> Headers, int? PerHost, bool TrustRedirects) Validate(ParseResult parse, Func<string, string?> environment)
    {
        var headers = new List<RequestHeader>();
        foreach (var value in parse.GetValue(Headers) ?? [])
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

        var perHost = parse.GetValue(PerHost);
        if (perHost < 1)
        {
            throw new UsageException($"--per-host: must be at least 1 (got {perHost})");
        }

        return (headers, perHost, parse.GetValue(LocationTrusted));
    }
}
