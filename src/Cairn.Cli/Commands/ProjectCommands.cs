using System.CommandLine;
using System.Text.Json.Nodes;
using static Cairn.Cli.Commands.Common;

namespace Cairn.Cli.Commands;

/// <summary><c>cairn projects list|create|rm</c>.</summary>
internal static class ProjectCommands
{
    public static Command Build()
    {
        var projects = new Command("projects", "List, create and delete projects");
        projects.Subcommands.Add(List());
        projects.Subcommands.Add(Create());
        projects.Subcommands.Add(Remove());
        return projects;
    }

    private static Command List()
    {
        var command = new Command("list", "List projects by name.\n\nExamples:\n  cairn projects list\n  cairn projects list --json | jq -r '.[].name'");
        command.Aliases.Add("ls");
        var limit = Limit(500);
        var json = Json();
        command.Options.Add(limit);
        command.Options.Add(json);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var max = context.Get(limit);
            if (max is <= 0 or > 500)
            {
                throw new UsageException($"--limit must be between 1 and 500, not {max}");
            }
            var data = await context.Session.CallAsync("projects.get_all", new JsonObject
            {
                ["only_fields"] = new JsonArray("id", "name", "description", "created", "last_update", "default_output_destination"),
                ["order_by"] = new JsonArray("name"),
                ["page"] = 0,
                ["page_size"] = max,
            }, cancellationToken).ConfigureAwait(false);
            var rows = (data["projects"] as JsonArray)?.OfType<JsonObject>().Select(p => new JsonObject
            {
                ["id"] = Text(p, "id"),
                ["name"] = Text(p, "name"),
                ["description"] = Text(p, "description"),
                ["created"] = Iso(ParseTime(Text(p, "created"))),
                ["last_update"] = Iso(ParseTime(Text(p, "last_update"))),
                ["default_output_destination"] = Text(p, "default_output_destination"),
            }).ToList() ?? [];
            if (context.Get(json))
            {
                context.WriteJson(new JsonArray([.. rows]));
                return ExitCodes.Ok;
            }
            var table = Table("ID", "NAME", "DESCRIPTION", "CREATED");
            foreach (var row in rows)
            {
                table.AddRow(Text(row, "id"), Text(row, "name"), Text(row, "description"), Time(ParseTime(Text(row, "created"))));
            }
            context.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Create()
    {
        var command = new Command("create", "Create a project; its id is printed on stdout.\n\nExample:\n  cairn projects create vision/detection --description 'object detectors'");
        var name = new Argument<string>("name") { Description = "The full name ('parent/child' makes a sub-project)" };
        var description = new Option<string?>("--description") { Description = "The description" };
        command.Arguments.Add(name);
        command.Options.Add(description);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var projectName = context.Get(name)!;
            if (string.IsNullOrWhiteSpace(projectName))
            {
                throw new UsageException("the project name is empty");
            }
            if (await FindProjectIdAsync(context.Session, projectName, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw new CommandFailedException($"a project named '{projectName}' exists already");
            }
            var data = await context.Session.CallAsync("projects.create", new JsonObject
            {
                ["name"] = projectName,
                ["description"] = context.Get(description) ?? "",
            }, cancellationToken).ConfigureAwait(false);
            context.WriteLine(Text(data, "id") ?? "");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove()
    {
        var command = new Command("rm", "Delete a project. One that holds models or experiments is refused unless --force.\n\nExample:\n  cairn projects rm scratch --force");
        command.Aliases.Add("delete");
        var name = new Argument<string>("name") { Description = "The project's full name" };
        var force = new Option<bool>("--force", "-f") { Description = "Delete it even if it holds models or experiments" };
        command.Arguments.Add(name);
        command.Options.Add(force);
        command.SetHandler(async (context, cancellationToken) =>
        {
            var projectName = context.Get(name)!;
            var id = await ProjectIdAsync(context.Session, projectName, cancellationToken).ConfigureAwait(false);
            await context.Session.CallAsync("projects.delete", new JsonObject { ["project"] = id, ["force"] = context.Get(force) }, cancellationToken).ConfigureAwait(false);
            context.WriteLine($"deleted {projectName} ({id})");
            return ExitCodes.Ok;
        });
        return command;
    }
}
