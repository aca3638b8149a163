using System.CommandLine;
using System.Text.Json.Nodes;
using Cairn.Artifacts;
using static Cairn.Cli.Commands.Common;

namespace Cairn.Cli.Commands;

/// <summary><c>cairn artifacts list|get</c>: a task's artifacts.</summary>
internal static class ArtifactCommands
{
    public static Command Build()
    {
        var artifacts = new Command("artifacts", "List a task's artifacts and download one");
        artifacts.Subcommands.Add(List());
        artifacts.Subcommands.Add(Get());
        return artifacts;
    }

    private static Command List()
    {
        var command = new Command("list", "List a task's artifacts.\n\nExample:\n  cairn artifacts list 5d1e7a9c3b2f4e6a8c0d1b3f5a7e9c2d");
        command.Aliases.Add("ls");
        var task = new Argument<string>("task") { Description = "The task id" };
        var json = Json();
        command.Arguments.Add(task);
        command.Options.Add(json);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var experiment = await Experiment.GetAsync(context.Get(task)!, context.Session, cancellationToken).ConfigureAwait(false);
            var artifacts = await experiment.RefreshArtifactsAsync(cancellationToken).ConfigureAwait(false);
            var rows = artifacts.Values.OrderBy(a => a.Name, StringComparer.Ordinal).Select(Row).ToList();
            if (context.Get(json))
            {
                context.WriteJson(new JsonArray([.. rows]));
                return ExitCodes.Ok;
            }
            var table = Table("NAME", "TYPE", "SIZE", "SHA-256", "URL");
            foreach (var artifact in artifacts.Values.OrderBy(a => a.Name, StringComparer.Ordinal))
            {
                table.AddRow(artifact.Name, artifact.Type, artifact.Size is { } size ? TransferDisplay.Size(size) : "", artifact.Hash, artifact.Url);
            }
            context.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Get()
    {
        var command = new Command("get", """
            Download an artifact (checked against its recorded size and SHA-256) and print its path.

            Examples:
              cairn artifacts get 5d1e7a9c3b2f4e6a8c0d1b3f5a7e9c2d metrics -o metrics.json
              cairn artifacts get 5d1e7a9c3b2f4e6a8c0d1b3f5a7e9c2d dataset --extract
            """);
        var task = new Argument<string>("task") { Description = "The task id" };
        var name = new Argument<string>("name") { Description = "The artifact name" };
        var output = new Option<string?>("--output", "-o") { Description = "Copy it here (default: print the path in the local cache)" };
        var extract = new Option<bool>("--extract") { Description = "Extract an archive artifact into a folder" };
        command.Arguments.Add(task);
        command.Arguments.Add(name);
        command.Options.Add(output);
        command.Options.Add(extract);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var experiment = await Experiment.GetAsync(context.Get(task)!, context.Session, cancellationToken).ConfigureAwait(false);
            var artifacts = await experiment.RefreshArtifactsAsync(cancellationToken).ConfigureAwait(false);
            var wanted = context.Get(name)!;
            if (!artifacts.TryGetValue(wanted, out var artifact))
            {
                throw new CommandFailedException($"task {experiment.Id} has no artifact named '{wanted}' (it has: {string.Join(", ", artifacts.Keys.Order(StringComparer.Ordinal))})");
            }
            if (artifact.Url is null)
            {
                throw new CommandFailedException($"artifact '{wanted}' has no file (type {artifact.Type}); its preview: {artifact.Preview}");
            }
            var progress = context.StartProgress("download");
            var path = await artifact.GetLocalCopyAsync(extractArchive: context.Get(extract), progress: progress, cancellationToken: cancellationToken).ConfigureAwait(false);
            context.StopProgress();
            if (context.Get(output) is { } target)
            {
                path = Copy(path, target, Storage.StorageUrl.FileName(Storage.StorageUrl.ToUri(artifact.Url)));
            }
            context.WriteLine(Path.GetFullPath(path));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static JsonObject Row(Artifact artifact) => new()
    {
        ["name"] = artifact.Name,
        ["type"] = artifact.Type,
        ["mode"] = artifact.Mode,
        ["size"] = artifact.Size,
        ["sha256"] = artifact.Hash,
        ["url"] = artifact.Url,
        ["content_type"] = artifact.ContentType,
        ["timestamp"] = Iso(artifact.Timestamp),
        ["metadata"] = new JsonObject([.. artifact.Metadata.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)JsonValue.Create(m.Value)))]),
    };

    /// <summary>Copies a cached file or extracted folder out of the cache (the cache may evict it later).</summary>
    private static string Copy(string source, string target, string fileName)
    {
        if (Directory.Exists(source))
        {
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var destination = Path.Combine(target, Path.GetRelativePath(source, file));
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                File.Copy(file, destination, overwrite: true);
            }
            return target;
        }
        if (Directory.Exists(target))
        {
            target = Path.Combine(target, fileName);
        }
        File.Copy(source, target, overwrite: true);
        return target;
    }
}
