using Fanout.Engine;

namespace Fanout.Records;

/// <summary>
/// The fields every job's result record carries, written by this one piece of code so that every job's records
/// agree: <c>key</c> and <c>ok</c> first, then the job's own fields, then attempts, times and the error.
/// Reports and summaries are built from these fields alone.
/// </summary>
internal static class ResultFields
{
    /// <summary>Fields for machines and reports (a timeline), left out of the table people read.</summary>
    public static readonly IReadOnlySet<string> Detail = new HashSet<string>(StringComparer.Ordinal) { "queued_ms", "worker", "started_at", "ended_at" };

    /// <summary>Writes <c>key</c> and <c>ok</c>: call first.</summary>
    public static void WriteStart<TItem, TResult>(WorkResult<TItem, TResult> result, IRecordFieldWriter fields)
    {
        fields.WriteString("key", result.Key);
        fields.WriteBoolean("ok", result.Ok);
    }

    /// <summary>Writes attempts, <c>elapsed_ms</c>, <c>queued_ms</c>, <c>worker</c>, <c>started_at</c>, <c>ended_at</c>, <c>error</c> and <c>error_kind</c>: call last.</summary>
    public static void WriteEnd<TItem, TResult>(WorkResult<TItem, TResult> result, IRecordFieldWriter fields)
    {
        fields.WriteNumber("attempts", (long)result.Attempts);
        fields.WriteNumber("elapsed_ms", result.Latency.TotalMilliseconds);
        fields.WriteNumber("queued_ms", result.QueueWait.TotalMilliseconds);
        fields.WriteNumber("worker", (long)result.Worker);
        fields.WriteTime("started_at", result.StartedAt);
        fields.WriteTime("ended_at", result.EndedAt);
        fields.WriteString("error", result.Error?.Message);
        fields.WriteString("error_kind", result.Error?.Kind);
    }
}
