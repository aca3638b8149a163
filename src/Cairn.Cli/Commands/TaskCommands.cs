using System.CommandLine;
using System.Text.Json.Nodes;
using Cairn.Experiments;
using static Cairn.Cli.Commands.Common;

namespace Cairn.Cli.Commands;

/// <summary><c>cairn tasks list|show</c>: ClearML's tasks (the SDK's experiments), with their models.</summary>
internal static class TaskCommands
{
    public static Command Build()
    {
        var tasks = new Command("tasks", "List experiments (ClearML tasks) and show one with its input and output models");
        tasks.Subcommands.Add(List());
        tasks.Subcommands.Add(Show());
        return tasks;
    }

    private static Command List()
    {
        var command = new Command("list", "List tasks, newest first.\n\nExamples:\n  cairn tasks list --project vision\n  cairn tasks list --json");
        command.Aliases.Add("ls");
        var project = Project();
        var limit = Limit();
        var json = Json();
        command.Options.Add(project);
        command.Options.Add(limit);
        command.Options.Add(json);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var max = context.Get(limit);
            if (max is <= 0 or > 500)
            {
                throw new UsageException($"--limit must be between 1 and 500, not {max}");
            }
            var filter = new JsonObject
            {
                ["only_fields"] = new JsonArray("id", "name", "project", "status", "type", "tags", "created", "last_update"),
                ["order_by"] = new JsonArray("-created", "-id"),
                ["system_tags"] = new JsonArray("-archived"),
                ["page"] = 0,
                ["page_size"] = max,
            };
            if (context.Get(project) is { } name)
            {
                filter["project"] = new JsonArray(JsonValue.Create(await ProjectIdAsync(context.Session, name, cancellationToken).ConfigureAwait(false)));
            }
            var data = await context.Session.CallAsync("tasks.get_all", filter, cancellationToken).ConfigureAwait(false);
            var found = (data["tasks"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
            var projects = await ProjectNamesAsync(context.Session, found.Select(t => Text(t, "project")), cancellationToken).ConfigureAwait(false);
            var rows = found.Select(t => new JsonObject
            {
                ["id"] = Text(t, "id"),
                ["name"] = Text(t, "name"),
                ["project_id"] = Text(t, "project"),
                ["project"] = Text(t, "project") is { } p ? projects.GetValueOrDefault(p) : null,
                ["status"] = Text(t, "status"),
                ["type"] = Text(t, "type"),
                ["tags"] = Strings(StringList(t["tags"])),
                ["created"] = Iso(ParseTime(Text(t, "created"))),
                ["last_update"] = Iso(ParseTime(Text(t, "last_update"))),
            }).ToList();
            if (context.Get(json))
            {
                context.WriteJson(new JsonArray([.. rows]));
                return ExitCodes.Ok;
            }
            var table = Table("ID", "NAME", "PROJECT", "TYPE", "STATUS", "UPDATED");
            foreach (var row in rows)
            {
                table.AddRow(Text(row, "id"), Text(row, "name"), Text(row, "project"), Text(row, "type"), Text(row, "status"), Time(ParseTime(Text(row, "last_update"))));
            }
            context.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show()
    {
        var command = new Command("show", "Show a task with its input and output models.\n\nExample:\n  cairn tasks show 5d1e7a9c3b2f4e6a8c0d1b3f5a7e9c2d --json");
        var id = new Argument<string>("id") { Description = "The task id" };
        var json = Json();
        command.Arguments.Add(id);
        command.Options.Add(json);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var experiment = await Experiment.GetAsync(context.Get(id)!, context.Session, cancellationToken).ConfigureAwait(false);
            var result = new JsonObject
            {
                ["id"] = experiment.Id,
                ["name"] = experiment.Name,
                ["project_id"] = experiment.ProjectId,
                ["project"] = experiment.ProjectName,
                ["status"] = experiment.Status,
                ["output_uri"] = experiment.OutputUri,
                ["input_models"] = Models(experiment.Models.Input),
                ["output_models"] = Models(experiment.Models.Output),
            };
            if (context.Get(json))
            {
                context.WriteJson(result);
                return ExitCodes.Ok;
            }
            context.WriteLine($"{experiment.Name} ({experiment.Id})");
            context.WriteLine($"project: {experiment.ProjectName}   status: {experiment.Status}");
            var table = Table("DIRECTION", "AS", "MODEL ID", "MODEL NAME", "PUBLISHED");
            foreach (var (direction, list) in new[] { ("input", experiment.Models.Input), ("output", experiment.Models.Output) })
            {
                for (var i = 0; i < list.Count; i++)
                {
                    var model = list[i];
                    table.AddRow(direction, list.Names[i], model.Id, model.IsLoaded ? model.Name : "", model.IsLoaded ? (model.Published ? "yes" : "no") : "");
                }
            }
            context.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static JsonArray Models(ModelList list)
    {
        var array = new JsonArray();
        for (var i = 0; i < list.Count; i++)
        {
            var model = list[i];
            array.Add(new JsonObject
            {
                ["name"] = list.Names[i],
                ["id"] = model.Id,
                ["model_name"] = model.IsLoaded ? model.Name : null,
                ["published"] = model.IsLoaded ? model.Published : null,
            });
        }
        return array;
    }
}
