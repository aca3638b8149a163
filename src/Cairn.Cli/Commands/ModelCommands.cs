using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Cairn.Models;
using Cairn.Protocol.Query;
using Cairn.Session;
using Cairn.Storage;
using Spectre.Console;
using static Cairn.Cli.Commands.Common;

namespace Cairn.Cli.Commands;

/// <summary><c>cairn models …</c>: list, show, transfer and change models.</summary>
internal static class ModelCommands
{
    /// <summary>The fields a list asks for: enough for the table and the JSON rows, nothing heavy (no design).</summary>
    private static readonly string[] ListFields =
        ["id", "name", "project", "framework", "tags", "system_tags", "ready", "created", "last_update", "uri", "task", "comment", "user"];

    private const int MaxPageSize = 500;

    public static Command Build()
    {
        var models = new Command("models", "List, query, show, download, upload and change models");
        models.Subcommands.Add(List());
        models.Subcommands.Add(Show());
        models.Subcommands.Add(Download());
        models.Subcommands.Add(Upload());
        models.Subcommands.Add(Register());
        models.Subcommands.Add(Lifecycle("publish", "Publish models (a published model is final: no more edits or reports)", (m, ct) => m.PublishAsync(ct), "published"));
        models.Subcommands.Add(Lifecycle("archive", "Archive models (they leave default lists and queries but are kept)", (m, ct) => m.ArchiveAsync(ct), "archived"));
        models.Subcommands.Add(Lifecycle("unarchive", "Restore archived models", (m, ct) => m.UnarchiveAsync(ct), "unarchived"));
        models.Subcommands.Add(Tag("tag", add: true));
        models.Subcommands.Add(Tag("untag", add: false));
        models.Subcommands.Add(Move());
        models.Subcommands.Add(Remove());
        models.Subcommands.Add(MetadataCommands());
        models.Subcommands.Add(ModelCompare.Build());
        return models;
    }

    /// <summary>The query and scope options shared by <c>list</c> and <c>download</c>.</summary>
    private sealed class Selection
    {
        public Option<string?> Query { get; } = new("--query", "-q")
        {
            Description = "A query in Cairn's query language (docs/query.md), e.g. 'tag:production and not tag:deprecated and framework:ONNX'",
        };

        public Option<string?> Project { get; } = Common.Project();

        public Option<bool> Published { get; } = new("--published") { Description = "Only published models" };

        public Option<bool> Archived { get; } = new("--archived") { Description = "Include archived models" };

        public void AddTo(Command command)
        {
            command.Options.Add(Query);
            command.Options.Add(Project);
            command.Options.Add(Published);
            command.Options.Add(Archived);
        }

        /// <summary>The <c>models.get_all</c> filter: the compiled query, the project, published and archived.</summary>
        public async Task<JsonObject> FilterAsync(CliContext context, CancellationToken cancellationToken)
        {
            var query = context.Get(Query);
            var filter = string.IsNullOrWhiteSpace(query) ? [] : QueryCompiler.Compile(QueryParser.Parse(query));
            if (context.Get(Project) is { } project)
            {
                if (filter.ContainsKey("project"))
                {
                    throw new UsageException("give the project either as --project or as project: in the query, not both");
                }
                filter["project"] = new JsonArray(JsonValue.Create(await ProjectIdAsync(context.Session, project, cancellationToken).ConfigureAwait(false)));
            }
            if (context.Get(Published))
            {
                if (filter["ready"] is JsonValue ready && ready.TryGetValue<bool>(out var value) && !value)
                {
                    throw new UsageException("--published contradicts 'draft' in the query");
                }
                filter["ready"] = true;
            }
            // As in ClearML's UI, archived models are left out unless asked for (or the query names system tags itself).
            if (!context.Get(Archived) && !filter.ContainsKey("system_tags"))
            {
                filter["system_tags"] = new JsonArray("-archived");
            }
            // "id" breaks ties between models created in the same instant, so pages never overlap.
            filter["order_by"] = new JsonArray("-created", "-id");
            filter["only_fields"] = Strings(ListFields);
            return filter;
        }
    }

    /// <summary>Up to <paramref name="limit"/> models matching <paramref name="filter"/>, newest first, a page at a time.</summary>
    private static async Task<List<JsonObject>> QueryAsync(ClearMLSession session, JsonObject filter, int limit, CancellationToken cancellationToken)
    {
        var rows = new List<JsonObject>();
        var pageSize = Math.Clamp(limit, 1, MaxPageSize);
        for (var page = 0; rows.Count < limit; page++)
        {
            var request = filter.DeepClone().AsObject();
            request["page"] = page;
            request["page_size"] = pageSize;
            var data = await session.CallAsync("models.get_all", request, cancellationToken).ConfigureAwait(false);
            var models = (data["models"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
            rows.AddRange(models.Take(limit - rows.Count));
            if (models.Count < pageSize)
            {
                break;
            }
        }
        return rows;
    }

    private static Command List()
    {
        var command = new Command("list", """
            List models, newest first, as a table or as JSON.

            Examples:
              cairn models list
              cairn models list --project vision --published
              cairn models list --query 'tag:production and (framework:PyTorch or framework:ONNX) and updated > 2026-11-01'
              cairn models list --query 'meta.dataset = "imagenet" and name ~ "^resnet"' --json | jq -r '.[].id'
            """);
        command.Aliases.Add("ls");
        var selection = new Selection();
        selection.AddTo(command);
        var limit = Limit();
        var json = Json();
        command.Options.Add(limit);
        command.Options.Add(json);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var max = context.Get(limit);
            if (max <= 0)
            {
                throw new UsageException($"--limit must be at least 1, not {max}");
            }
            var filter = await selection.FilterAsync(context, cancellationToken).ConfigureAwait(false);
            var models = await QueryAsync(context.Session, filter, max, cancellationToken).ConfigureAwait(false);
            var projects = await ProjectNamesAsync(context.Session, models.Select(m => Text(m, "project")), cancellationToken).ConfigureAwait(false);
            var rows = models.Select(m => ModelJson.Row(m, projects)).ToList();
            if (context.Get(json))
            {
                context.WriteJson(new JsonArray([.. rows]));
                return ExitCodes.Ok;
            }
            var table = Table("ID", "NAME", "PROJECT", "FRAMEWORK", "TAGS", "STATUS", "UPDATED");
            foreach (var row in rows)
            {
                table.AddRow(Text(row, "id"), Text(row, "name"), Text(row, "project"), Text(row, "framework"),
                    string.Join(", ", StringList(row["tags"])), ModelJson.Status(row), Time(ParseTime(Text(row, "last_update"))));
            }
            context.Out.Write(table);
            context.Note(rows.Count == max ? $"{rows.Count} models (the first {max}; --limit shows more)" : $"{rows.Count} models");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show()
    {
        var command = new Command("show", """
            Show one model: its fields, labels, design and metadata.

            Examples:
              cairn models show 3f2a9c0e5b7d4a1f8e6c2b0a9d8f7e6c
              cairn models show 3f2a9c0e5b7d4a1f8e6c2b0a9d8f7e6c --json | jq .metadata
            """);
        var id = new Argument<string>("id") { Description = "The model id" };
        var json = Json();
        command.Arguments.Add(id);
        command.Options.Add(json);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var model = await Model.GetAsync(context.Get(id)!, context.Session, cancellationToken).ConfigureAwait(false);
            var projects = await ProjectNamesAsync(context.Session, [model.ProjectId], cancellationToken).ConfigureAwait(false);
            var details = ModelJson.Details(model, projects);
            if (context.Get(json))
            {
                context.WriteJson(details);
                return ExitCodes.Ok;
            }
            var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
            foreach (var (key, value) in details)
            {
                if (key is "labels" or "metadata" or "design")
                {
                    continue;
                }
                grid.AddRow(new Text(key), new Text(value switch
                {
                    JsonArray array => string.Join(", ", StringList(array)),
                    null => "",
                    _ => value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value.ToJsonString(),
                }));
            }
            context.Out.Write(grid);
            if (model.Labels.Count > 0)
            {
                context.Out.WriteLine();
                var labels = Table("LABEL", "INDEX");
                foreach (var (label, index) in model.Labels.OrderBy(l => l.Value))
                {
                    labels.AddRow(label, index.ToString(CultureInfo.InvariantCulture));
                }
                context.Out.Write(labels);
            }
            if (model.GetAllMetadata() is { Count: > 0 } metadata)
            {
                context.Out.WriteLine();
                var items = Table("METADATA", "TYPE", "VALUE");
                foreach (var item in metadata.Values.OrderBy(i => i.Key, StringComparer.Ordinal))
                {
                    items.AddRow(item.Key, item.Type, item.Value);
                }
                context.Out.Write(items);
            }
            if (model.ConfigText.Length > 0)
            {
                context.Out.WriteLine();
                context.Out.Write(new Panel(new Text(model.ConfigText)).Header("design"));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Download()
    {
        var command = new Command("download", """
            Download a model's weights, checked against the SHA-256 and size recorded on the model.
            Give a model id, or a query: the newest model that matches is downloaded. The path of
            the file is printed on stdout.

            Examples:
              cairn models download 3f2a9c0e5b7d4a1f8e6c2b0a9d8f7e6c -o ./weights/
              cairn models download --project vision --query 'tag:production' --published -o model.onnx
            """);
        var id = new Argument<string?>("id") { Description = "The model id (or give --query)", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string?>("--output", "-o") { Description = "The file to write, or a folder to write it into (default: the current folder)" };
        var selection = new Selection();
        var json = Json();
        command.Arguments.Add(id);
        command.Options.Add(output);
        selection.AddTo(command);
        command.Options.Add(json);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var modelId = context.Get(id);
            var hasSelection = context.Get(selection.Query) is not null || context.Get(selection.Project) is not null || context.Get(selection.Published);
            if (modelId is not null && hasSelection)
            {
                throw new UsageException("give a model id or a selection (--query, --project, --published), not both");
            }
            if (modelId is null)
            {
                if (!hasSelection)
                {
                    throw new UsageException("give a model id, or --query/--project/--published to pick the newest model that matches");
                }
                var filter = await selection.FilterAsync(context, cancellationToken).ConfigureAwait(false);
                var newest = await QueryAsync(context.Session, filter, 1, cancellationToken).ConfigureAwait(false);
                modelId = newest.Count > 0 ? Text(newest[0], "id")! : throw new CommandFailedException("no model matches the selection");
            }
            var model = await Model.GetAsync(modelId, context.Session, cancellationToken).ConfigureAwait(false);
            var url = model.Url is { Length: > 0 } u ? u : throw new CommandFailedException($"model {model.Id} has no weights file");
            var target = TargetPath(context.Get(output), StorageUrl.FileName(StorageUrl.ToUri(url)));
            var integrity = WeightsOf(model);
            if (integrity.Sha256 is null)
            {
                context.Note($"model {model.Id} records no SHA-256; the download is checked against the server's hash only, if it sends one");
            }
            var progress = context.StartProgress("download");
            var path = await context.Storage.DownloadFileAsync(url, target, integrity, overwrite: true, progress, cancellationToken).ConfigureAwait(false);
            context.StopProgress();
            if (context.Get(json))
            {
                context.WriteJson(new JsonObject
                {
                    ["id"] = model.Id,
                    ["path"] = Path.GetFullPath(path),
                    ["size"] = new FileInfo(path).Length,
                    ["sha256"] = integrity.Sha256,
                    ["verified"] = integrity.Sha256 is not null,
                });
            }
            else
            {
                context.WriteLine(Path.GetFullPath(path));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static FileIntegrity WeightsOf(Model model)
    {
        var sha = model.GetMetadata(WeightsIntegrity.Sha256Key) is { Length: 64 } s ? s.ToLowerInvariant() : null;
        long? size = long.TryParse(model.GetMetadata(WeightsIntegrity.SizeKey), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
        return new FileIntegrity(size, sha);
    }

    private static string TargetPath(string? output, string fileName)
    {
        if (output is null)
        {
            return Path.Combine(Directory.GetCurrentDirectory(), fileName);
        }
        if (Directory.Exists(output) || output.EndsWith('/') || output.EndsWith(Path.DirectorySeparatorChar))
        {
            Directory.CreateDirectory(output);
            return Path.Combine(output, fileName);
        }
        if (Path.GetDirectoryName(Path.GetFullPath(output)) is { } folder)
        {
            Directory.CreateDirectory(folder);
        }
        return output;
    }

    /// <summary>The options <c>upload</c> and <c>register</c> share: where the model goes and what it is called.</summary>
    private sealed class NewModel
    {
        public Option<string> Project { get; } = new("--project", "-p") { Description = "The project (created if needed)", Required = true };

        public Option<string?> Name { get; } = new("--name") { Description = "The model name (default: the file name without its extension)" };

        public Option<string[]> Tags { get; } = new("--tag", "-t") { Description = "A tag (repeat for more)", AllowMultipleArgumentsPerToken = false };

        public Option<string?> Framework { get; } = new("--framework") { Description = "The framework (default: inferred from the file name, e.g. .onnx is ONNX)" };

        public Option<string?> Comment { get; } = new("--comment") { Description = "The model's comment" };

        public Option<bool> Publish { get; } = new("--publish") { Description = "Publish the model once it is registered" };

        public Option<bool> Json { get; } = Common.Json();

        public void AddTo(Command command)
        {
            command.Options.Add(Project);
            command.Options.Add(Name);
            command.Options.Add(Tags);
            command.Options.Add(Framework);
            command.Options.Add(Comment);
            command.Options.Add(Publish);
            command.Options.Add(Json);
        }

        public async Task<int> RegisterAsync(CliContext context, string url, string defaultName, UploadResult? uploaded, CancellationToken cancellationToken)
        {
            var model = await InputModel.ImportModelAsync(url, name: context.Get(Name) ?? defaultName, project: context.Get(Project),
                tags: context.Get(Tags), comment: context.Get(Comment), framework: context.Get(Framework),
                session: context.Session, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (uploaded is not null)
            {
                // Recorded as the SDK records them, so every later download is checked against them.
                await model.SetAllMetadataAsync(
                [
                    new ModelMetadataItem(WeightsIntegrity.Sha256Key, "str", uploaded.Sha256),
                    new ModelMetadataItem(WeightsIntegrity.SizeKey, "int", uploaded.Size.ToString(CultureInfo.InvariantCulture)),
                ], replace: false, cancellationToken).ConfigureAwait(false);
            }
            if (context.Get(Publish))
            {
                await model.PublishAsync(cancellationToken).ConfigureAwait(false);
            }
            if (context.Get(Json))
            {
                var reloaded = await Model.GetAsync(model.Id, context.Session, cancellationToken).ConfigureAwait(false);
                var projects = await ProjectNamesAsync(context.Session, [reloaded.ProjectId], cancellationToken).ConfigureAwait(false);
                context.WriteJson(ModelJson.Details(reloaded, projects));
            }
            else
            {
                context.WriteLine(model.Id);
            }
            return ExitCodes.Ok;
        }
    }

    private static Command Upload()
    {
        var command = new Command("upload", """
            Upload a weights file and register it as a model. The file goes to the files server (or
            --destination, or sdk.development.default_output_uri); its size and SHA-256 are recorded
            on the model. The new model's id is printed on stdout.

            Examples:
              cairn models upload resnet50.onnx --project vision --tag candidate
              cairn models upload model.bin --project vision --name detector --framework PyTorch --publish
            """);
        var file = new Argument<FileInfo>("file") { Description = "The weights file" };
        var destination = new Option<string?>("--destination") { Description = "Where to store the file (a files-server, s3://, azure:// or gs:// URL)" };
        var options = new NewModel();
        command.Arguments.Add(file);
        command.Options.Add(destination);
        options.AddTo(command);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var weights = context.Get(file)!;
            if (!weights.Exists)
            {
                throw new CommandFailedException($"no file at {weights.FullName}");
            }
            var root = UploadDestination.Resolve(context.Settings, modelUploadUri: context.Get(destination));
            // A folder of its own per upload, so two uploads of model.onnx never overwrite each other.
            var url = UploadDestination.Join(root, context.Get(options.Project)!, "models", Guid.NewGuid().ToString("N"), weights.Name);
            context.Storage.CheckDestination(url);
            var progress = context.StartProgress("upload");
            var uploaded = await context.Storage.UploadFileAsync(weights.FullName, url, progress, cancellationToken).ConfigureAwait(false);
            context.StopProgress();
            try
            {
                return await options.RegisterAsync(context, uploaded.Url, Path.GetFileNameWithoutExtension(weights.Name), uploaded, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The server refused the model (e.g. a bad name): the file just stored would be an orphan.
                await context.Storage.DeleteAsync(uploaded.Url, CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        });
        return command;
    }

    private static Command Register()
    {
        var command = new Command("register", """
            Register weights that are already stored (an http(s), s3://, azure://, gs:// or file:// URL)
            as a model, without uploading. If a model with this URL exists it is returned instead.

            Examples:
              cairn models register s3://models/vision/resnet50.onnx --project vision --tag imported
            """);
        var url = new Argument<string>("url") { Description = "The weights URL" };
        var options = new NewModel();
        command.Arguments.Add(url);
        options.AddTo(command);
        command.SetHandler((context, cancellationToken) =>
        {
            var location = context.Get(url)!;
            var name = Path.GetFileNameWithoutExtension(StorageUrl.FileName(StorageUrl.ToUri(location)));
            return options.RegisterAsync(context, location, name, null, cancellationToken);
        });
        return command;
    }

    private static Command Lifecycle(string name, string description, Func<Model, CancellationToken, Task> change, string done)
    {
        var command = new Command(name, $"""
            {description}.

            Example:
              cairn models {name} 3f2a9c0e5b7d4a1f8e6c2b0a9d8f7e6c
            """);
        var ids = Ids();
        command.Arguments.Add(ids);
        command.SetHandler(async (context, cancellationToken) =>
        {
            foreach (var id in context.Get(ids)!)
            {
                var model = await Model.GetAsync(id, context.Session, cancellationToken).ConfigureAwait(false);
                await change(model, cancellationToken).ConfigureAwait(false);
                context.WriteLine($"{done} {model.Id}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Tag(string name, bool add)
    {
        var command = new Command(name, add
            ? "Add tags to a model.\n\nExample:\n  cairn models tag 3f2a9c0e5b7d4a1f8e6c2b0a9d8f7e6c production v2"
            : "Remove tags from a model.\n\nExample:\n  cairn models untag 3f2a9c0e5b7d4a1f8e6c2b0a9d8f7e6c candidate");
        var id = new Argument<string>("id") { Description = "The model id" };
        var tags = new Argument<string[]>("tags") { Description = "The tags", Arity = ArgumentArity.OneOrMore };
        command.Arguments.Add(id);
        command.Arguments.Add(tags);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var model = await Model.GetAsync(context.Get(id)!, context.Session, cancellationToken).ConfigureAwait(false);
            var given = context.Get(tags)!;
            if (given.FirstOrDefault(string.IsNullOrWhiteSpace) is not null)
            {
                throw new UsageException("a tag cannot be empty");
            }
            var result = add ? model.Tags.Union(given, StringComparer.Ordinal).ToList() : model.Tags.Except(given, StringComparer.Ordinal).ToList();
            await context.Session.CallAsync("models.update", new JsonObject { ["model"] = model.Id, ["tags"] = Strings(result) }, cancellationToken).ConfigureAwait(false);
            context.WriteLine($"{model.Id}: {string.Join(", ", result)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Move()
    {
        var command = new Command("move", "Move models to another project (created if needed).\n\nExample:\n  cairn models move 3f2a9c0e5b7d4a1f8e6c2b0a9d8f7e6c --project vision/archive");
        var ids = Ids();
        var project = new Option<string>("--project", "-p") { Description = "The project to move them to (full name)", Required = true };
        command.Arguments.Add(ids);
        command.Options.Add(project);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var name = context.Get(project)!;
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new UsageException("the project name is empty");
            }
            var given = context.Get(ids)!;
            foreach (var id in given)
            {
                await Model.GetAsync(id, context.Session, cancellationToken).ConfigureAwait(false); // an unknown id fails here, naming it
            }
            await context.Session.CallAsync("models.move", new JsonObject { ["ids"] = Strings(given), ["project_name"] = name }, cancellationToken).ConfigureAwait(false);
            foreach (var id in given)
            {
                context.WriteLine($"moved {id} to {name}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove()
    {
        var command = new Command("rm", "Delete models and their weights files.\n\nExample:\n  cairn models rm 3f2a9c0e5b7d4a1f8e6c2b0a9d8f7e6c --keep-weights");
        command.Aliases.Add("delete");
        var ids = Ids();
        var keep = new Option<bool>("--keep-weights") { Description = "Leave the weights file in storage" };
        var force = new Option<bool>("--force", "-f") { Description = "Delete even when experiments use the model" };
        command.Arguments.Add(ids);
        command.Options.Add(keep);
        command.Options.Add(force);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var exit = ExitCodes.Ok;
            foreach (var id in context.Get(ids)!)
            {
                var model = await Model.GetAsync(id, context.Session, cancellationToken).ConfigureAwait(false);
                var clean = await model.RemoveAsync(deleteWeightsFile: !context.Get(keep), force: context.Get(force), cancellationToken).ConfigureAwait(false);
                context.WriteLine($"deleted {model.Id}");
                if (!clean)
                {
                    await Console.Error.WriteLineAsync($"cairn: model {model.Id} was deleted but its weights file {model.Url} could not be").ConfigureAwait(false);
                    exit = ExitCodes.Failed;
                }
            }
            return exit;
        });
        return command;
    }

    private static Command MetadataCommands()
    {
        var metadata = new Command("metadata", "Read and write a model's metadata (key, type, value)");
        var get = new Command("get", "Print a model's metadata, or one value.\n\nExamples:\n  cairn models metadata get 3f2a9c0e5b7d4a1f8e6c2b0a9d8f7e6c\n  cairn models metadata get 3f2a9c0e5b7d4a1f8e6c2b0a9d8f7e6c dataset");
        var id = new Argument<string>("id") { Description = "The model id" };
        var key = new Argument<string?>("key") { Description = "One key (prints its value alone)", Arity = ArgumentArity.ZeroOrOne };
        var json = Json();
        get.Arguments.Add(id);
        get.Arguments.Add(key);
        get.Options.Add(json);
        get.SetHandler(async (context, cancellationToken) =>
        {
            var model = await Model.GetAsync(context.Get(id)!, context.Session, cancellationToken).ConfigureAwait(false);
            var items = model.GetAllMetadata();
            if (context.Get(key) is { } wanted)
            {
                if (!items.TryGetValue(wanted, out var item))
                {
                    throw new CommandFailedException($"model {model.Id} has no metadata key '{wanted}'");
                }
                if (context.Get(json))
                {
                    context.WriteJson(ModelJson.Metadata(item));
                }
                else
                {
                    context.WriteLine(item.Value);
                }
                return ExitCodes.Ok;
            }
            if (context.Get(json))
            {
                context.WriteJson(ModelJson.Metadata(items));
                return ExitCodes.Ok;
            }
            var table = Table("KEY", "TYPE", "VALUE");
            foreach (var item in items.Values.OrderBy(i => i.Key, StringComparer.Ordinal))
            {
                table.AddRow(item.Key, item.Type, item.Value);
            }
            context.Out.Write(table);
            return ExitCodes.Ok;
        });
        var set = new Command("set", "Add or replace one metadata entry.\n\nExample:\n  cairn models metadata set 3f2a9c0e5b7d4a1f8e6c2b0a9d8f7e6c epochs 90 --type int");
        var setId = new Argument<string>("id") { Description = "The model id" };
        var setKey = new Argument<string>("key") { Description = "The key" };
        var value = new Argument<string>("value") { Description = "The value (stored as text)" };
        var type = new Option<string?>("--type") { Description = "How the value reads back: int, float, bool, str, list, tuple or dict (default: str)" };
        set.Arguments.Add(setId);
        set.Arguments.Add(setKey);
        set.Arguments.Add(value);
        set.Options.Add(type);
        set.SetHandler(async (context, cancellationToken) =>
        {
            var model = await Model.GetAsync(context.Get(setId)!, context.Session, cancellationToken).ConfigureAwait(false);
            var k = context.Get(setKey)!;
            if (string.IsNullOrWhiteSpace(k))
            {
                throw new UsageException("the metadata key is empty");
            }
            await model.SetMetadataAsync(k, context.Get(value)!, context.Get(type) ?? "str", cancellationToken).ConfigureAwait(false);
            context.WriteLine($"{model.Id}: {k} = {context.Get(value)}");
            return ExitCodes.Ok;
        });
        metadata.Subcommands.Add(get);
        metadata.Subcommands.Add(set);
        return metadata;
    }
}
