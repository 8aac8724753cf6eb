using System.CommandLine;
using System.Globalization;
using Fanout.Queue;
using Fanout.Records;

namespace Fanout.Cli;

/// <summary>
/// <c>fanout queue push|status|results|retry|drop DB NAME</c>: a shared queue of input lines in PostgreSQL that any
/// job works through with <c>--queue DB#NAME</c>, on as many machines and processes as are started.
/// </summary>
internal static class QueueCommand
{
    public static Command Create()
    {
        var command = new Command("queue", """
            A queue of input lines in PostgreSQL, shared by many workers: push the lines once, then start any job with
            --queue DB#NAME on as many machines as you like. Each item is leased by one worker at a time; a worker
            that dies loses its leases when they run out (--lease), and another takes the items.
              fanout queue push postgres://u@db/app urls urls.txt
              fanout http --queue postgres://u@db/app#urls -j 20          (on each machine)
              fanout queue status postgres://u@db/app urls
              fanout queue results postgres://u@db/app urls > results.jsonl
            """);
        command.Subcommands.Add(Push());
        command.Subcommands.Add(Simple("status", "Counts by state (pending, leased, done, failed) and the workers seen", StatusAsync));
        command.Subcommands.Add(Simple("results", "The result records of finished items as JSONL, in push order (what a local run writes)", ResultsAsync));
        command.Subcommands.Add(Simple("retry", "Put failed items back to pending, attempts from zero", async (queue, token) =>
        {
            var retried = await queue.RetryFailedAsync(token);
            System.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fanout: {retried} failed items are pending again"));
            return ExitCodes.Success;
        }));
        command.Subcommands.Add(Simple("drop", "Delete the queue's items", async (queue, token) =>
        {
            var dropped = await queue.DropAsync(token);
            System.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fanout: {dropped} items deleted"));
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>Splits <c>DB#NAME</c> (<c>--queue</c>).</summary>
    public static (string Database, string Name) ParseTarget(string text)
    {
        var hash = text.LastIndexOf('#');
        return hash > 0 && hash < text.Length - 1
            ? (text[..hash], text[(hash + 1)..])
            : throw new UsageException($"--queue: expected DB#NAME, e.g. postgres://user@host/app#urls (got '{text}')");
    }

    public static async Task<PostgresWorkQueue> OpenAsync(string database, string name, CancellationToken cancellationToken)
    {
        if (!database.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) && !database.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"queue: the database must be postgres://user@host:port/database (got '{database}')");
        }

        try
        {
            return await PostgresWorkQueue.OpenAsync(database, name, cancellationToken);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new UsageException($"queue: cannot reach the database: {Engine.WorkError.Flatten(ex.Message)}");
        }
    }

    private static Command Push()
    {
        var db = new Argument<string>("DB") { Description = "postgres://user@host:port/database" };
        var name = new Argument<string>("NAME") { Description = "The queue's name" };
        var inputs = new Argument<string[]>("INPUT") { Description = "Files of input lines ('-' or none: stdin), as the job would read them", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("push", "Add input lines to the queue; a line already in it (in any state) is not added again") { db, name, inputs };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var sources = parse.GetValue(inputs) ?? [];
            var unreadable = InputReader.FindUnreadable(sources);
            if (unreadable.Count > 0)
            {
                throw new UsageException(unreadable);
            }

            var lines = new List<string>();
            await foreach (var line in InputReader.ReadLinesAsync(sources, System.Console.OpenStandardInput, cancellationToken))
            {
                lines.Add(line.Text);
            }

            if (lines.Count == 0)
            {
                System.Console.Error.WriteLine("fanout: no lines in the input");
                return ExitCodes.Usage;
            }

            await using var queue = await OpenAsync(parse.GetValue(db)!, parse.GetValue(name)!, cancellationToken);
            var added = await queue.PushAsync(lines, cancellationToken);
            System.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fanout: {added} of {lines.Count} lines added to {Terminal.Escape(queue.Name)} ({lines.Count - added} were there already)"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Simple(string verb, string description, Func<PostgresWorkQueue, CancellationToken, Task<int>> action)
    {
        var db = new Argument<string>("DB") { Description = "postgres://user@host:port/database" };
        var name = new Argument<string>("NAME") { Description = "The queue's name" };
        var command = new Command(verb, description) { db, name };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var queue = await OpenAsync(parse.GetValue(db)!, parse.GetValue(name)!, cancellationToken);
            return await action(queue, cancellationToken);
        });
        return command;
    }

    private static async Task<int> StatusAsync(PostgresWorkQueue queue, CancellationToken cancellationToken)
    {
        var status = await queue.StatusAsync(cancellationToken);
        var total = status.Counts.Values.Sum();
        System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Terminal.Escape(queue.Name)}: {total} items: {string.Join(", ", status.Counts.Select(c => $"{c.Key} {c.Value}"))}"));
        var eta = status.Eta is { } left ? (left == TimeSpan.Zero ? "nothing left" : $"ETA {Console.BarProgressDisplay.FormatLeft(left)}") : "no ETA: nothing finished in the last minute";
        System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  rate {status.Rate:0.#}/s over the last minute, {eta}"));
        if (status.Relet > 0)
        {
            System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {status.Relet} items were leased again after their worker was lost (each may have run twice)"));
        }

        foreach (var (owner, leased, lastSeen) in status.Owners)
        {
            System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Terminal.Escape(owner)}  holds {leased}, last seen {lastSeen:yyyy-MM-ddTHH:mm:ss}Z"));
        }

        return ExitCodes.Success;
    }

    private static async Task<int> ResultsAsync(PostgresWorkQueue queue, CancellationToken cancellationToken)
    {
        var output = System.Console.Out;
        await foreach (var record in queue.ResultsAsync(cancellationToken))
        {
            await output.WriteLineAsync(record);
        }

        await output.FlushAsync(cancellationToken);
        return ExitCodes.Success;
    }
}
