using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using Fanout.Cli.Console;
using Fanout.Database;
using Fanout.Engine;
using Fanout.Records;

namespace Fanout.Cli;

/// <summary><c>fanout insert</c>: load JSONL or CSV records into a database table.</summary>
internal static class InsertCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("FILE") { Description = "JSONL (default), JSON array, CSV or TSV files of records, gzip or zstd compressed or not; '-' or none for stdin", Arity = ArgumentArity.ZeroOrMore };
        var db = new Option<string>("--db")
        {
            Description = "The database: a SQLite file path (created if missing; or sqlite:PATH), or postgres://user@host:port/database (password from PGPASSWORD or .pgpass, never printed)",
            Required = true,
            HelpName = "DATABASE",
        };
        var table = new Option<string>("--table")
        {
            Description = "The table, created from the records' fields and types when missing: letters, digits and _, or schema.table",
            Required = true,
            HelpName = "TABLE",
        };
        var csv = new Option<bool>("--csv") { Description = "Read CSV with a header row (also chosen by a .csv extension)" };
        var pk = new Option<string?>("--pk") { Description = "Primary key column(s), comma-separated, for a new table and for --upsert/--ignore", HelpName = "COLUMNS" };
        var upsert = new Option<bool>("--upsert") { Description = "Update rows whose key exists (reruns leave each row once)" };
        var ignore = new Option<bool>("--ignore") { Description = "Skip rows whose key exists (reruns leave each row once)" };
        var delimiter = new Option<string?>("--delimiter") { Description = "Read CSV whose fields are separated by this character instead of a comma: 'tab' (or \\t) for TSV, ';', '|'. A .tsv file is read as TSV without it", HelpName = "CHAR" };
        var flatten = new Option<bool>("--flatten") { Description = "Nested JSON objects become columns named outer_inner ({\"a\":{\"b\":1}} -> a_b), as sqlite-utils does; arrays stay JSON text" };
        var recordsAt = new Option<string?>("--records-at") { Description = "The records are the array at this field of a JSON document ({\"data\": [...]} -> data; nested: result.items). A file that is one JSON array is read without it. Locations are then file:N, N the record's place in the array", HelpName = "PATH" };
        var types = new Option<string[]>("--type")
        {
            Description = "A column's type instead of the inferred one, repeatable or comma-separated: zip=text keeps 00501, id=integer, price=real, ok=boolean, payload=json (JSON text in a CSV cell stays JSON). For a new table or a column --alter adds",
            HelpName = "COLUMN=TYPE",
        };
        var plan = new Option<bool>("--plan") { Description = "Write nothing: read the records (or --sample N of them) and print the table's columns, what the load would create or add (the SQL), and which records it would reject and why. Exit 0 when none would be, 1 when some would" };
        var sample = new Option<long?>("--sample") { Description = "With --plan, read only the first N records", HelpName = "N" };
        var alter = new Option<bool>("--alter") { Description = "Add columns for fields that first appear in later records (otherwise those records are rejected)" };
        var batch = new Option<int?>("--batch")
        {
            HelpName = "ROWS",
            Description = string.Create(CultureInfo.InvariantCulture, $"Rows per transaction (a failed one is written again in smaller ones to find the bad rows). SQLite: {InsertOptions.DefaultSqliteBatchSize:N0} by default. PostgreSQL streams each transaction through one COPY: {InsertOptions.DefaultPostgresJsonlBatchSize:N0} by default for JSONL, {InsertOptions.DefaultPostgresCsvBatchSize:N0} for CSV"),
        };
        var rejects = new Option<string?>("--rejects") { Description = "Write rejected records to FILE as JSONL: location (file:line), kind, reason, record", HelpName = "FILE" };
        var common = new CommonOptions(new JobWords
        {
            Noun = "rows",
            ConcurrencyHelp = string.Create(CultureInfo.InvariantCulture, $"PostgreSQL: parallel connections, each streaming COPY (SQLite has one writer). Parsing uses every core either way. By default one per core, at most {InsertOptions.MostDefaultPostgresWriters}; half the cores when the server is on this machine"),
            RetriesHelp = "Retries of a write that failed for a transient reason (a lost connection, a deadlock, a busy database, --timeout): a new connection, and the rows not yet committed written again",
            TimeoutHelp = "Time limit of one write to the database (a chunk of rows, a commit)",
            MaxFailuresHelp = "Stop the load after N rejected records: nothing more is read, what was read is written",
            ShardHelp = "Load only shard I of N (1 <= I <= N) of the records, chosen by a stable hash of each one's file:line",
        });

        var command = new Command("insert", """
            Load JSONL, JSON array or CSV/TSV records into a SQLite or PostgreSQL table, fast and safely.

            Batched transactions, prepared statements or COPY,
            and parsing on every core while the writers write. A bad record (invalid JSON, wrong type, constraint
            violation) is rejected with its file:line and reason; it never fails the load or takes good rows with it.
            One JSONL record per chunk of up to 10,000 records once they are committed (stdout or --output).

            Examples:
              fanout insert events.jsonl --db app.db --table events --pk id --upsert
              fanout insert people.csv --db app.db --table people --rejects rejects.jsonl
              fanout read 'logs/**/*.log' --content | fanout insert --db logs.db --table files --pk path --upsert
              fanout insert page.json --records-at data --db app.db --table users --type zip=text
              fanout insert events.jsonl --db app.db --table events --alter --plan --sample 1000

            Exit codes: 0 every record stored, 1 some rejected, 2 bad usage, 130 interrupted.
            """);
        command.Arguments.Add(inputs);
        foreach (var option in new Option[] { db, table, csv, delimiter, recordsAt, pk, types, upsert, ignore, alter, flatten, batch, rejects, plan, sample })
        {
            command.Options.Add(option);
        }

        common.AddTo(command);
        command.SetAction(async (parse, _) =>
        {
            var settings = common.Validate(parse);
            // -j auto: the writers are the default number (one per core, capped; one for SQLite), not adapted.
            settings = settings with { Pool = settings.Pool with { Auto = null } };
            if (parse.GetValue(upsert) && parse.GetValue(ignore))
            {
                throw new UsageException("--upsert and --ignore cannot be used together");
            }

            var key = (parse.GetValue(pk) ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parse.GetValue(upsert) && key.Length == 0)
            {
                throw new UsageException("--upsert needs --pk");
            }

            if (parse.GetValue(batch) < 1)
            {
                throw new UsageException("--batch: must be at least 1");
            }

            Inserter inserter;
            try
            {
                inserter = new Inserter(new InsertOptions
                {
                    Database = parse.GetValue(db)!,
                    Table = parse.GetValue(table)!,
                    PrimaryKey = key,
                    Mode = parse.GetValue(upsert) ? InsertMode.Upsert : parse.GetValue(ignore) ? InsertMode.Ignore : InsertMode.Insert,
                    Alter = parse.GetValue(alter),
                    Flatten = parse.GetValue(flatten),
                    Types = Types(parse.GetValue(types) ?? []),
                    RecordsAt = parse.GetValue(recordsAt) is { } at ? RecordsAt(at) : null,
                    Delimiter = parse.GetValue(delimiter) is { } d ? Delimiter(d) : null,
                    Format = parse.GetValue(csv) ? InsertFormat.Csv : null,
                    BatchSize = parse.GetValue(batch),
                    Writers = settings.ExplicitConcurrency,
                });
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message);
            }

            var sources = parse.GetValue(inputs) ?? [];
            if (inserter.Options.RecordsAt is not null && inserter.FormatOf(sources) == InsertFormat.Csv)
            {
                throw new UsageException("--records-at: the input is read as CSV (--csv, --delimiter or .csv/.tsv names); it finds records in JSON");
            }

            if (parse.GetValue(sample) is { } n && (n < 1 || !parse.GetValue(plan)))
            {
                throw new UsageException(n < 1 ? "--sample: must be at least 1" : "--sample: it sizes a --plan; add --plan");
            }

            if (parse.GetValue(plan))
            {
                // A plan is printed (or written to -o); what only a load does has no place in it.
                var loadOnly = new (Option Option, bool Given)[]
                {
                    (rejects, parse.GetValue(rejects) is not null), (common.Stats, parse.GetValue(common.Stats) is not null), (common.Report, parse.GetValue(common.Report) is not null),
                    (common.JobLog, parse.GetValue(common.JobLog) is not null), (common.Shard, parse.GetValue(common.Shard) is not null), (common.MaxFailures, parse.GetValue(common.MaxFailures) is not null),
                };
                if (loadOnly.Where(o => o.Given).Select(o => $"--plan: {o.Option.Name} is for a load; a plan writes nothing but its text (-o FILE to keep it)").ToList() is { Count: > 0 } problems)
                {
                    throw new UsageException(problems);
                }

                return await PlanAsync(inserter, sources, parse.GetValue(sample), ValueParsers.OutputFile(parse.GetValue(common.Output), "--output"));
            }
            var rejectsPath = ValueParsers.OutputFile(parse.GetValue(rejects), "--rejects");
            var reasons = new RejectReasons();
            var rejectsFile = rejectsPath is null ? null : AtomicFile.Create(rejectsPath);
            await using (rejectsFile)
            {
                var rejectsWriter = rejectsFile is null ? null : RecordWriter.Create(OutputFormat.Jsonl, rejectsFile.Stream, leaveOpen: true);
                var job = new JobSpec<InsertItem, InsertResult>
                {
                    Name = "insert",
                    Noun = "chunks",
                    Expected = "records",
                    Run = (pool, stop) => inserter.RunAsync(sources, System.Console.OpenStandardInput, row =>
                    {
                        reasons.Add(row.Kind, row.Reason);
                        WriteReject(rejectsWriter, row);
                    }, pool, stop),
                    WriteRecord = Inserter.WriteRecord,
                    ProgressLine = stats => Progress(inserter.Totals, stats),
                    Headline = (stats, interrupted) => Headline(inserter, stats, interrupted, rejectsPath, settings.Pool.MaxFailures),
                    Sections = _ =>
                    [
                        new CountsSection("Rows", "rows", Rows(inserter.Totals)) { Hidden = true },
                        new EntriesSection("Rejects by reason", "rejects_by_kind", reasons.Top(MaxReasons), e => $"{e[1].Value,7}  {e[0].Value}: {e[2].Value}") { Numbers = new HashSet<string> { "count" } },
                    ],
                    Epilogue = (_, _) => Advice(inserter.Totals, reasons),
                    ShowSpeedup = false,
                    ShowLatency = false,
                    ExplainFailure = ex => ex switch
                    {
                        DbException when inserter.Totals.Total == 0 => new RunFailure($"--db {inserter.Database}: {WorkError.Flatten(ex.Message)}", ExitCodes.Usage),
                        DbException or TimeoutException => new RunFailure(MidLoad(ex, inserter.Totals), ExitCodes.SomeFailed),
                        InvalidOperationException or FormatException or IOException => new RunFailure(ex.Message, ExitCodes.Usage),
                        _ => null,
                    },
                };
                var exitCode = await JobRunner.RunAsync(job, settings, sources);
                if (rejectsWriter is not null)
                {
                    await rejectsWriter.DisposeAsync();
                    await rejectsFile!.CommitAsync(CancellationToken.None);
                }

                return exitCode;
            }
        });
        return command;
    }

    private const int MaxReasons = 5;

    /// <summary>--plan: what the load would do, printed; nothing written. Exit 0 when no record would be rejected, else 1.</summary>
    private static async Task<int> PlanAsync(Inserter inserter, IReadOnlyList<string> sources, long? sample, string? outputPath)
    {
        InsertPlan plan;
        try
        {
            plan = await inserter.PlanAsync(sources, System.Console.OpenStandardInput, sample, CancellationToken.None);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or IOException)
        {
            throw new UsageException(ex.Message);
        }
        catch (DbException ex)
        {
            throw new UsageException($"--db {inserter.Database}: {WorkError.Flatten(ex.Message)}");
        }

        var c = CultureInfo.InvariantCulture;
        await using var file = outputPath is null ? null : AtomicFile.Create(outputPath);
        var writer = file is null ? null : new StreamWriter(file.Stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
        var output = (TextWriter?)writer ?? System.Console.Out;
        var table = Terminal.Escape(plan.Table);
        output.WriteLine(string.Create(c, $"Plan for {table} in {Terminal.Escape(inserter.Database)}: {(plan.TableExists ? "the table exists" : "the table would be created")}; nothing was written"));
        output.WriteLine(string.Create(c, $"  {plan.Records:N0} records read{(plan.Sampled ? " (the first ones: --sample)" : string.Empty)}: {plan.WouldLoad:N0} would be loaded, {plan.Rejected:N0} rejected"));
        output.WriteLine();
        output.WriteLine("Columns");
        var width = Math.Max(6, plan.Columns.Select(col => Terminal.Escape(col.Name).Length).DefaultIfEmpty(0).Max());
        foreach (var column in plan.Columns)
        {
            var change = column.Change switch
            {
                PlannedColumn.Create => "new",
                PlannedColumn.Add => "added (--alter)",
                _ => column.Values == 0 ? "in the table; no record read has it" : "in the table",
            };
            var key = inserter.Options.PrimaryKey.Contains(column.Name) ? ", key" : string.Empty;
            output.WriteLine(string.Create(c, $"  {Terminal.Escape(column.Name).PadRight(width)}  {column.Type.ToString().ToLowerInvariant(),-8} {change}{key}; {column.Values:N0} with a value"));
        }

        output.WriteLine();
        output.WriteLine("Statements");
        output.WriteLine(plan.Statements.Count == 0 ? "  none: the table takes the records as it is" : string.Join('\n', plan.Statements.Select(statement => "  " + Terminal.Escape(statement) + ";")));
        if (plan.Rejected > 0)
        {
            output.WriteLine();
            output.WriteLine("Rejects by reason");
            foreach (var (kind, count) in plan.RejectsByKind)
            {
                output.WriteLine(string.Create(c, $"  {count,7:N0}  {Terminal.Escape(kind)}"));
            }

            output.WriteLine();
            output.WriteLine(string.Create(c, $"First rejects ({plan.FirstRejects.Count} of {plan.Rejected:N0})"));
            foreach (var row in plan.FirstRejects)
            {
                var text = row.Text.Length > 120 ? row.Text[..120] + "…" : row.Text;
                output.WriteLine($"  {Terminal.Escape(row.Location)}: {Terminal.Escape(row.Reason)}");
                output.WriteLine($"      {Terminal.Escape(text)}");
            }

            if (plan.RejectsByKind.Any(k => k.Key.StartsWith("new field", StringComparison.Ordinal)) && !inserter.Options.Alter)
            {
                output.WriteLine();
                output.WriteLine("  --alter adds a column for each new field instead of rejecting its records");
            }
        }

        if (file is not null)
        {
            // The writer goes first (it flushes into the file), then the file takes its name.
            await writer!.DisposeAsync();
            await file.CommitAsync(CancellationToken.None);
            await System.Console.Error.WriteLineAsync($"plan: {Terminal.Escape(outputPath!)}");
        }

        return plan.Rejected == 0 ? ExitCodes.Success : ExitCodes.SomeFailed;
    }

    private static void WriteReject(RecordWriter? writer, RejectedRow row) =>
        writer?.WriteAsync(row, static (r, f) =>
        {
            f.WriteString("location", r.Location);
            f.WriteString("kind", r.Kind);
            f.WriteString("reason", r.Reason);
            f.WriteString("record", r.Text);
        }).AsTask().GetAwaiter().GetResult();

    /// <summary>A load that stopped because the database did: what happened, what is in the table, what to do.</summary>
    private static string MidLoad(Exception exception, InsertTotals totals)
    {
        var lost = exception is System.Data.Common.DbException { IsTransient: true } || exception.InnerException is IOException or System.Net.Sockets.SocketException;
        var stored = totals.Inserted + totals.Updated + totals.Ignored;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{(lost ? "the connection to the database was lost" : "the database failed")} mid-load ({WorkError.Flatten(exception.Message)}); the {stored} rows committed before that stay in the table: rerun with --upsert or --ignore to add the rest{(lost ? " (--retries N reconnects by itself)" : string.Empty)}");
    }

    /// <summary>What to do about the rejects, when one thing is clearly the cause.</summary>
    private static IEnumerable<string> Advice(InsertTotals totals, RejectReasons reasons)
    {
        var duplicates = reasons.Count(RejectedRow.DuplicateKeyKind);
        if (duplicates > 0 && duplicates == totals.Total)
        {
            yield return "  every record's key is already in the table: --upsert updates those rows, --ignore keeps them";
        }
        else if (duplicates > 0)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"  {duplicates} {(duplicates == 1 ? "record has" : "records have")} a key the table (or an earlier record) already has: --upsert updates those rows, --ignore keeps them");
        }
    }

    private static string Progress(InsertTotals totals, WorkStats stats) =>
        string.Create(CultureInfo.InvariantCulture, $"insert: {totals.Total} rows, {totals.Total / Math.Max(1e-9, stats.WallTime.TotalSeconds):0}/s, rejected {totals.Rejected}, {stats.WallTime.TotalSeconds:0.0} s");

    private static IEnumerable<string> Headline(Inserter inserter, WorkStats stats, bool interrupted, string? rejectsPath, int? maxFailures)
    {
        var c = CultureInfo.InvariantCulture;
        var totals = inserter.Totals;
        yield return string.Create(c, $"Summary{(interrupted ? " (interrupted)" : string.Empty)}: {totals.Total} rows in {SummaryPrinter.Format(stats.WallTime)}, {totals.Total / Math.Max(1e-9, stats.WallTime.TotalSeconds):0} rows/s into {inserter.Options.Table} ({inserter.Database}) at -j {inserter.Writers}");
        yield return string.Create(c, $"  inserted {totals.Inserted}, updated {totals.Updated}, ignored {totals.Ignored}, rejected {totals.Rejected}{(rejectsPath is not null && totals.Rejected > 0 ? $" (see {rejectsPath})" : string.Empty)}");
        if (inserter.StoppedForRejects)
        {
            yield return string.Create(c, $"  stopped: {maxFailures} rejected records (--max-failures); no record after the last of them was loaded");
        }
    }

    private static IReadOnlyList<KeyValuePair<string, long>> Rows(InsertTotals totals) =>
        [new("inserted", totals.Inserted), new("updated", totals.Updated), new("ignored", totals.Ignored), new("rejected", totals.Rejected)];

    /// <summary>--records-at: field names joined by dots, none empty.</summary>
    private static string RecordsAt(string path) =>
        path.Split('.').All(p => p.Length > 0) ? path : throw new UsageException($"--records-at: '{path}' is not a path of field names such as data or result.items");

    /// <summary>--type: COLUMN=TYPE pairs, repeatable or comma-separated; every problem at once.</summary>
    private static Dictionary<string, ColumnType> Types(IEnumerable<string> values)
    {
        var types = new Dictionary<string, ColumnType>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var pair in values.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? pair[..equals].Trim() : string.Empty;
            ColumnType? type = equals < 0 ? null : pair[(equals + 1)..].Trim().ToLowerInvariant() switch
            {
                "integer" or "int" or "bigint" => ColumnType.Integer,
                "real" or "float" or "double" or "number" => ColumnType.Real,
                "boolean" or "bool" => ColumnType.Boolean,
                "text" or "string" => ColumnType.Text,
                "json" or "jsonb" => ColumnType.Json,
                _ => null,
            };
            if (name.Length == 0 || type is null)
            {
                problems.Add($"--type: '{pair}' is not COLUMN=TYPE with TYPE integer, real, boolean, text or json");
            }
            else if (!types.TryAdd(name, type.Value) && types[name] != type)
            {
                problems.Add($"--type: {name} is given two types");
            }
        }

        return problems.Count == 0 ? types : throw new UsageException(problems);
    }

    /// <summary>--delimiter: one ASCII character other than a quote or a line break; 'tab' or \t for a tab.</summary>
    private static char Delimiter(string text) =>
        text is "tab" or "\\t" or "\t" ? '\t'
        : text.Length == 1 && char.IsAscii(text[0]) && text[0] is not ('"' or '\n' or '\r') ? text[0]
        : throw new UsageException($"--delimiter: '{text}' is not one ASCII character (a quote and line breaks cannot be); 'tab' for TSV");
}
