using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace Fanout.Tests.Support;

/// <summary>
/// Debian's chromium, headless: renders an HTML file as a person's browser would (its script run) and returns the
/// resulting DOM. The test command installs chromium; without it a test fails under CI and is skipped elsewhere.
/// </summary>
public static partial class Chromium
{
    private static readonly string? Program = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    /// <summary>Skips the test when there is no chromium and this is not CI (where its absence is a failure).</summary>
    public static void Require()
    {
        if (Program is null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            throw new SkipException("chromium is not installed (apt-get install chromium); bash scripts/test.sh installs it");
        }

        Assert.True(Program is not null, "chromium is not installed: the test command installs it (apt-get install chromium)");
    }

    /// <summary>Renders <paramref name="htmlPath"/> and returns its DOM after the page's script ran, and the browser's log.</summary>
    public static async Task<Rendered> RenderAsync(string htmlPath, string? screenshot = null)
    {
        Require();
        using var profile = new TempDirectory();
        var start = new ProcessStartInfo(Program!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Root has no sandbox; no GPU, no first-run, logs (the page's console) on stderr.
        foreach (var argument in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--enable-logging=stderr", "--v=0", $"--user-data-dir={profile.Path}", "--window-size=1280,2000", "--hide-scrollbars" })
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(screenshot is null ? "--dump-dom" : $"--screenshot={screenshot}");
        start.ArgumentList.Add(new Uri(Path.GetFullPath(htmlPath)).AbsoluteUri);
        start.Environment["HOME"] = profile.Path;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"chromium did not render {htmlPath} in 60 s");
        }

        return new Rendered(await stdout, await stderr);
    }

    /// <summary>A rendered page.</summary>
    public sealed partial record Rendered(string Dom, string Log)
    {
        /// <summary>Script errors: the page's own list (window.onerror) and uncaught errors in the browser's console log.</summary>
        public IReadOnlyList<string> ScriptErrors =>
            [.. ErrorsElement().Matches(Dom).Select(m => m.Groups[1].Value).Where(t => t.Length > 0), .. Log.Split('\n').Where(l => l.Contains("CONSOLE", StringComparison.Ordinal) && (l.Contains("Uncaught", StringComparison.Ordinal) || l.Contains("Error", StringComparison.Ordinal)))];

        /// <summary>Whether the page's script got to its end.</summary>
        public bool Drawn => Dom.Contains("data-rendered=\"ok\"", StringComparison.Ordinal);

        /// <summary>An attribute of the element with <paramref name="id"/>.</summary>
        public string? Attribute(string id, string attribute) =>
            Regex.Match(Dom, $"<[a-z]+ [^>]*id=\"{Regex.Escape(id)}\"[^>]*>") is { Success: true } element
            && Regex.Match(element.Value, $" {Regex.Escape(attribute)}=\"([^\"]*)\"") is { Success: true } value
                ? System.Net.WebUtility.HtmlDecode(value.Groups[1].Value)
                : null;

        /// <summary>The text of the element with <paramref name="id"/> (up to its first child element).</summary>
        public string? Text(string id) =>
            Regex.Match(Dom, $"<[a-z]+ [^>]*id=\"{Regex.Escape(id)}\"[^>]*>([^<]*)<") is { Success: true } m ? System.Net.WebUtility.HtmlDecode(m.Groups[1].Value) : null;

        /// <summary>How many times <paramref name="text"/> occurs in the DOM.</summary>
        public int Count(string text) => Regex.Matches(Dom, Regex.Escape(text)).Count;

        [GeneratedRegex("<pre id=\"errors\">([^<]*)</pre>")]
        private static partial Regex ErrorsElement();
    }
}
