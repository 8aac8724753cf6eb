using System.CommandLine;
using System.Text.RegularExpressions;
using Fanout.Cli.Console;
using Fanout.Files;

namespace Fanout.Cli;

/// <summary><c>fanout read</c>: concurrent file reading (hashes, line counts, search, content).</summary>
internal static class ReadCommand
{
    private static readonly int DefaultConcurrency = Math.Max(2, Environment.ProcessorCount * 2);

    public static Command Create()
    {
        var paths = new Argument<string[]>("PATH")
        {
            Description = "Files, directories (read recursively) and globs such as 'logs/**/*.log' (quote them so the shell leaves them alone); '-' reads a list of paths from stdin",
            Arity = ArgumentArity.OneOrMore,
            HelpName = "PATH",
        };
        var exclude = new Option<string[]>("--exclude") { Description = "Leave out paths matching this glob, repeatable: 'node_modules' matches that name anywhere, 'build/*.tmp' a path under the root", HelpName = "GLOB" };
        var hidden = new Option<bool>("--hidden", "-.") { Description = "Also read hidden files and directories (names starting with a dot) inside directories; .git stays out unless --no-ignore too" };
        var noIgnore = new Option<bool>("--no-ignore") { Description = "Also read what .gitignore (inside a git repository), .git/info/exclude and .ignore files leave out" };
        var decompress = new Option<bool>("--decompress", "-z") { Description = "Read gzip and zstd files (known by their first bytes) as the text inside, as rg -z: lines, --grep, --extract and --content see that text; the digest stays the file's. Records gain compression and uncompressed_bytes; a cut file is an error record (corrupt)" };
        var follow = new Option<bool>("--follow", "-L") { Description = "Follow symbolic links inside directories (loops are detected and reported)" };
        var hash = new Option<string>("--hash")
        {
            Description = "Digest per file",
            DefaultValueFactory = _ => "sha256",
            HelpName = "sha256|blake3|sha1|md5|none",
        };
        hash.AcceptOnlyFromAmong("sha256", "blake3", "sha1", "md5", "none");
        var grep = new Option<string?>("--grep", "-e") { Description = "Count the lines matching this .NET regular expression and keep the first --max-matches of them, with line numbers", HelpName = "REGEX" };
        var ignoreCase = new Option<bool>("--ignore-case", "-i") { Description = "Case-insensitive --grep" };
        var invertMatch = new Option<bool>("--invert-match", "-v") { Description = "--grep counts and keeps the lines that do not match, as grep -v" };
        var contextLines = new Option<int?>("--context", "-C") { Description = "Each kept --grep line carries N lines before and after it (fields before and after), as grep -C", HelpName = "N" };
        var beforeLines = new Option<int?>("--before-context", "-B") { Description = "N lines before each kept --grep line, as grep -B", HelpName = "N" };
        var afterLines = new Option<int?>("--after-context", "-A") { Description = "N lines after each kept --grep line, as grep -A", HelpName = "N" };
        var maxMatches = new Option<int>("--max-matches")
        {
            Description = "Matching lines kept per file (all are counted)",
            DefaultValueFactory = _ => FileReadOptions.DefaultMaxMatches,
            HelpName = "N",
        };
        var content = new Option<bool>("--content") { Description = "Include each text file's content (for piping into fanout insert), capped by --max-content" };
        var maxContent = new Option<string>("--max-content")
        {
            Description = "Most bytes of content per file; longer content is cut and flagged content_truncated",
            DefaultValueFactory = _ => "1M",
            HelpName = "SIZE",
        };
        var sort = new Option<bool>("--sort") { Description = "Write records in path order instead of as files complete" };
        var extract = new Option<string?>("--extract")
        {
            Description = "Turn each line matching this regex into a row of its named groups, typed, with path and line: stdout carries the rows (JSONL, ready for fanout insert); the per-file records go to -o FILE only. E.g. '(?<ts>\\S+) (?<level>[A-Z]+) (?<msg>.*)'",
            HelpName = "REGEX",
        };
        var size = new Option<string?>("--size") { Description = "Only files of at least (+1M) or at most (-10k) this size", HelpName = "+SIZE|-SIZE" };
        var newer = new Option<string?>("--newer") { Description = "Only files modified in the last DURATION (30m, 2d, 1w) or after FILE was", HelpName = "DURATION|FILE" };
        var check = new Option<string?>("--check")
        {
            Description = "Compare with a manifest (the JSONL of an earlier fanout read, with its digest): lists changed, new, missing and moved files with a count of each; exit 1 on any difference. Run it from the same place with the same paths",
            HelpName = "MANIFEST",
        };
        var common = new CommonOptions(new JobWords
        {
            Noun = "files",
            Concurrency = DefaultConcurrency,
            RetriesHelp = "Retries of a file whose read failed with an I/O error",
            TimeoutHelp = "Time limit of reading one file",
        });

        var command = new Command("read", """
            Read many files concurrently: hashes, line counts, matching lines, content.

            One JSONL record per file with path, bytes, lines, sha256, modified time
            and encoding; optionally matching lines (--grep) and the text (--content). Files are streamed through
            fixed buffers, so memory stays flat for any file size, and hashing runs on all cores.

            Examples:
              fanout read 'logs/**/*.log' --grep 'ERROR|FATAL' > errors.jsonl
              fanout read data/ --exclude '*.tmp' --exclude .git --hash md5 --sort
              find . -name '*.csv' | fanout read - --content | fanout insert --db files.db --table files
              fanout read data/ --hash blake3 -o manifest.jsonl && fanout read data/ --check manifest.jsonl
              fanout read -z 'logs/*.log.gz' --grep panic -C 2
              fanout read 'logs/*.log' --extract '(?<ts>\S+) (?<level>[A-Z]+) (?<msg>.*)' | fanout insert --db logs.db --table logs

            Directories are walked as ripgrep and fd walk them: hidden files and what .gitignore (in a git
            repository) and .ignore files name are left out; --hidden and --no-ignore read them too. Paths
            named on the command line are always read.

            Unreadable, vanished and special files become error records; the run goes on.
            Exit codes: 0 all files read, 1 some failed, 2 bad usage, 130 interrupted.
            """);
        command.Arguments.Add(paths);
        foreach (var option in new Option[] { exclude, hidden, noIgnore, follow, size, decompress, newer, hash, check, extract, grep, ignoreCase, invertMatch, contextLines, beforeLines, afterLines, maxMatches, content, maxContent, sort })
        {
            command.Options.Add(option);
        }

        common.AddTo(command);
        command.SetAction(async (parse, _) =>
        {
            var settings = common.Validate(parse);
            // -i applies to both patterns; a pattern that is not a .NET regex is a usage error naming its option.
            var caseOption = parse.GetValue(ignoreCase) ? RegexOptions.IgnoreCase : RegexOptions.None;
            Regex Pattern(string option, string text, RegexOptions options, TimeSpan timeout)
            {
                try
                {
                    return new Regex(text, options | RegexOptions.CultureInvariant | caseOption, timeout);
                }
                catch (ArgumentException ex)
                {
                    throw new UsageException($"{option}: {ex.Message}");
                }
            }

            var regex = parse.GetValue(grep) is { } pattern ? Pattern("--grep", pattern, RegexOptions.Multiline | RegexOptions.Compiled, Regex.InfiniteMatchTimeout) : null;

            if (parse.GetValue(maxMatches) < 0)
            {
                throw new UsageException("--max-matches: must be 0 or more");
            }

            var algorithm = Enum.Parse<FileHashAlgorithm>(parse.GetValue(hash)!, ignoreCase: true);
            ManifestCheck? manifest = null;
            if (parse.GetValue(check) is { } manifestPath)
            {
                try
                {
                    manifest = ManifestCheck.Load(manifestPath);
                }
                catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
                {
                    throw new UsageException($"--check: {ex.Message}");
                }

                // The digest is the manifest's; another one asked for with --hash cannot be compared.
                if (parse.GetResult(hash) is { Implicit: false } && algorithm != manifest.Algorithm)
                {
                    throw new UsageException($"--check: the manifest holds {FileReader.FieldName(manifest.Algorithm)} digests, not {FileReader.FieldName(algorithm)}: leave out --hash");
                }

                algorithm = manifest.Algorithm;
            }

            Regex? rowPattern = null;
            if (parse.GetValue(extract) is { } extractText)
            {
                rowPattern = Pattern("--extract", extractText, RegexOptions.None, TimeSpan.FromSeconds(1));
                var named = rowPattern.GetGroupNames().Where(n => !n.All(char.IsAsciiDigit)).ToList();
                if (named.Count == 0)
                {
                    throw new UsageException("--extract: the regex has no named groups; name what each row keeps, e.g. (?<level>[A-Z]+)");
                }

                if (named.FirstOrDefault(FileReadOptions.ExtractRowFields.Contains) is { } reserved)
                {
                    throw new UsageException($"--extract: the group name '{reserved}' is a field every row has; choose another");
                }
            }

            if (parse.GetValue(invertMatch) && regex is null)
            {
                throw new UsageException("--invert-match: give the pattern with --grep");
            }

            var (linesBefore, linesAfter) = Context(parse.GetValue(contextLines), parse.GetValue(beforeLines), parse.GetValue(afterLines), regex is not null);

            var (minSize, maxSize) = parse.GetValue(size) is { } sizeText ? SizeBounds(sizeText) : (null, null);
            var options = new FileReadOptions
            {
                MinSize = minSize,
                MaxSize = maxSize,
                ModifiedAfter = parse.GetValue(newer) is { } newerText ? NewerThan(newerText) : null,
                Extract = rowPattern,
                Hash = algorithm,
                Grep = regex,
                InvertMatch = parse.GetValue(invertMatch),
                ContextBefore = linesBefore,
                ContextAfter = linesAfter,
                MaxMatches = parse.GetValue(maxMatches),
                IncludeContent = parse.GetValue(content),
                MaxContentBytes = ValueParsers.Size(parse.GetValue(maxContent)!, "--max-content"),
                Excludes = parse.GetValue(exclude) ?? [],
                FollowLinks = parse.GetValue(follow),
                Hidden = parse.GetValue(hidden),
                Decompress = parse.GetValue(decompress),
                NoIgnore = parse.GetValue(noIgnore),
            };
            if (parse.GetValue(sort))
            {
                settings = settings with { Pool = settings.Pool with { PreserveOrder = true } };
            }

            var arguments = parse.GetValue(paths) ?? [];
            if (FileReader.MissingPaths(arguments) is { Count: > 0 } missing)
            {
                // A path the user named that is not there is a mistake in the command line, not a file that failed.
                throw new UsageException(missing.Select(p => $"{p}: no such file or directory"));
            }

            // The comparison with --check's manifest, once the run is over (the summary and the exit code both read it).
            ManifestDiff? diff = null;
            ManifestDiff? Diff() => manifest is null ? null : diff ??= manifest.Compare();
            var reader = new FileReader(options);
            long bytes = 0;
            long extracted = 0;
            // With --extract, stdout is the rows' (a pipe into insert); the per-file records go to -o only.
            using var rows = rowPattern is null ? null : new StreamWriter(System.Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16);
            var job = new JobSpec<FileReadItem, FileReadResult>
            {
                Name = "read",
                Noun = "files",
                Expected = "files",
                ShowSpeedup = false,
                Source = token => reader.FindAsync(arguments, System.Console.OpenStandardInput, token),
                Handler = reader,
                WriteRecord = reader.WriteRecord,
                Observe = result =>
                {
                    bytes += result.Value?.Bytes ?? 0;
                    if (manifest is not null && result.Value?.Hash is { } digest)
                    {
                        manifest.Add(result.Item.DisplayPath, digest);
                    }
                },
                RecordsOnStdout = rowPattern is null,
                Passthrough = rows is null ? null : result =>
                {
                    foreach (var row in result.Value?.Rows ?? [])
                    {
                        rows.Write(row);
                        rows.Write('\n');
                        extracted++;
                    }
                },
                Completed = _ => rows?.Flush(),
                Sections = stats => [DataSection.Of(bytes, stats.WallTime), .. CheckSections(manifest, Diff()), .. rows is null ? [] : new SummarySection[] { new FiguresSection("Rows", "rows", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{extracted} rows extracted"), [new("extracted", extracted)]) }],
                MeetsThresholds = manifest is null ? null : _ => Diff()!.Same,
            };
            return await JobRunner.RunAsync(job, settings, arguments);
        });
        return command;
    }

    /// <summary>The comparison with the manifest: a count of each kind, then the paths of each (at most 20 shown).</summary>
    private static IEnumerable<SummarySection> CheckSections(ManifestCheck? manifest, ManifestDiff? diff)
    {
        if (manifest is null || diff is null)
        {
            yield break;
        }

        const int Shown = 20;
        yield return new CountsSection($"Check against {manifest.Source}", "check", [new("unchanged", diff.Unchanged), new("changed", diff.Changed.Count), new("new", diff.New.Count), new("missing", diff.Missing.Count), new("moved", diff.Moved.Count), new("not_read", diff.NotRead.Count)]);
        foreach (var (title, json, paths) in new[] { ("Changed", "changed", diff.Changed), ("New", "new", diff.New), ("Missing", "missing", diff.Missing), ("Moved", "moved", diff.Moved.Select(m => $"{m.From} -> {m.To}").ToList()), ("Not read (on disk, left out by this run: give the options the manifest was made with)", "not_read", diff.NotRead) })
        {
            if (paths.Count > 0)
            {
                var entries = paths.Take(Shown).Select(p => (IReadOnlyList<KeyValuePair<string, string>>)[new("path", p)]).ToList();
                yield return new EntriesSection(paths.Count > Shown ? $"{title} (first {Shown} of {paths.Count})" : title, json, entries, e => e[0].Value);
            }
        }
    }

    /// <summary>-C N sets both sides; -B and -A each override theirs (as grep). Each from 0 to 1000, and only with --grep.</summary>
    private static (int Before, int After) Context(int? both, int? before, int? after, bool grep)
    {
        const int Most = 1000;
        foreach (var (name, value) in new[] { ("--context", both), ("--before-context", before), ("--after-context", after) })
        {
            if (value is { } n && (n < 0 || n > Most))
            {
                throw new UsageException($"{name}: {n} is not a number of lines from 0 to {Most}");
            }

            if (value is not null && !grep)
            {
                throw new UsageException($"{name}: give the pattern with --grep");
            }
        }

        return (before ?? both ?? 0, after ?? both ?? 0);
    }

    /// <summary>--size: +SIZE is a lower bound, -SIZE an upper one (as fd and find).</summary>
    private static (long? Min, long? Max) SizeBounds(string text) =>
        text.Length > 1 && text[0] is '+' or '-'
            ? text[0] == '+' ? (ValueParsers.Size(text[1..], "--size"), null) : (null, ValueParsers.Size(text[1..], "--size"))
            : throw new UsageException($"--size: '{text}' needs + (at least) or - (at most), e.g. +1M or -10k");

    /// <summary>--newer: a file's modification time, else a duration back from now (30m, 2d, 1w).</summary>
    private static DateTimeOffset NewerThan(string text)
    {
        if (File.Exists(text) || Directory.Exists(text))
        {
            return new DateTimeOffset(File.GetLastWriteTimeUtc(text), TimeSpan.Zero);
        }

        var units = new Dictionary<char, TimeSpan> { ['s'] = TimeSpan.FromSeconds(1), ['m'] = TimeSpan.FromMinutes(1), ['h'] = TimeSpan.FromHours(1), ['d'] = TimeSpan.FromDays(1), ['w'] = TimeSpan.FromDays(7) };
        return text.Length > 1 && units.TryGetValue(text[^1], out var unit) && double.TryParse(text[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var amount) && amount >= 0
            ? DateTimeOffset.UtcNow - (unit * amount)
            : throw new UsageException($"--newer: '{text}' is neither a file nor a duration (30m, 2d, 1w)");
    }
}
