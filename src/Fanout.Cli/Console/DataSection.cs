using System.Globalization;

namespace Fanout.Cli.Console;

/// <summary>The bytes a job moved and how fast, the same for read and download.</summary>
internal static class DataSection
{
    public static FiguresSection Of(long bytes, TimeSpan wall)
    {
        var perSecond = bytes / 1e6 / Math.Max(1e-9, wall.TotalSeconds);
        return new FiguresSection("Data", "data", string.Create(CultureInfo.InvariantCulture, $"{SummaryPrinter.FormatBytes(bytes)}{(bytes >= 1000 ? $" ({bytes} bytes)" : string.Empty)}, {perSecond:0.0} MB/s"), [new("bytes", bytes), new("mb_per_s", perSecond)]);
    }
}
