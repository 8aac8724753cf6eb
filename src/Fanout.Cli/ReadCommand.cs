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
        var follow = new Option<bool>("--follow", "-L") { Description = "Follow symbolic links inside directories (loops are detected and reported)" };
        var hash = new Option<string>("--hash")
        {
            Description = "Digest per file",
            DefaultValueFactory = _ => "sha256",
            HelpName = "sha256|sha1|md5|none",
        };
        hash.AcceptOnlyFromAmong("sha256", "sha1", "md5", "none");
        var grep = new Option<string?>("--grep", "-e") { Description = "Count the lines matching this .NET regular expression and keep the first --max-matches of them, with line numbers", HelpName = "REGEX" };
        var ignoreCase = new Option<bool>("--ignore-case", "-i") { Description = "Case-insensitive --grep" };
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

            Unreadable, vanished and special files become error records; the run goes on.
            Exit codes: 0 all files read, 1 some failed, 2 bad usage, 130 interrupted.
            """);
        command.Arguments.Add(paths);
        foreach (var option in new Option[] { exclude, follow, hash, grep, ignoreCase, maxMatches, content, maxContent, sort })
        {
            command.Options.Add(option);
        }

        common.AddTo(command);
        command.SetAction(async (parse, _) =>
        {
            var settings = common.Validate(parse);
            Regex? regex = null;
            if (parse.GetValue(grep) is { } pattern)
            {
                try
                {
                    regex = new Regex(pattern, RegexOptions.Multiline | RegexOptions.CultureInvariant | RegexOptions.Compiled | (parse.GetValue(ignoreCase) ? RegexOptions.IgnoreCase : RegexOptions.None));
                }
                catch (ArgumentException ex)
                {
                    throw new UsageException($"--grep: {ex.Message}");
                }
            }

            if (parse.GetValue(maxMatches) < 0)
            {
                throw new UsageException("--max-matches: must be 0 or more");
            }

            var options = new FileReadOptions
            {
                Hash = Enum.Parse<FileHashAlgorithm>(parse.GetValue(hash)!, ignoreCase: true),
                Grep = regex,
                MaxMatches = parse.GetValue(maxMatches),
                IncludeContent = parse.GetValue(content),
                MaxContentBytes = ValueParsers.Size(parse.GetValue(maxContent)!, "--max-content"),
                Excludes = parse.GetValue(exclude) ?? [],
                FollowLinks = parse.GetValue(follow),
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

            var reader = new FileReader(options);
            long bytes = 0;
            var job = new JobSpec<FileReadItem, FileReadResult>
            {
                Name = "read",
                Noun = "files",
                Expected = "files",
                ShowSpeedup = false,
                Source = token => reader.FindAsync(arguments, System.Console.OpenStandardInput, token),
                Handler = reader,
                WriteRecord = reader.WriteRecord,
                Observe = result => bytes += result.Value?.Bytes ?? 0,
                Sections = stats => [DataSection.Of(bytes, stats.WallTime)],
            };
            return await JobRunner.RunAsync(job, settings, arguments);
        });
        return command;
    }
}
