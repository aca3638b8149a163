using System.Collections;
using Microsoft.Extensions.Configuration.CommandLine;

namespace Cairn.Server.Hosting;

/// <summary>Adds Cairn's configuration sources on top of ASP.NET's defaults.</summary>
public static class CairnConfiguration
{
    /// <summary>Command-line flags, e.g. <c>--api-port 9000</c>; <c>--Cairn:ApiPort=9000</c> works too.</summary>
    public static readonly Dictionary<string, string> Switches = new()
    {
        ["--data-dir"] = "Cairn:DataDir",
        ["--host"] = "Cairn:Host",
        ["--public-host"] = "Cairn:PublicHost",
        ["--api-port"] = "Cairn:ApiPort",
        ["--web-port"] = "Cairn:WebPort",
        ["--files-port"] = "Cairn:FilesPort",
        ["--public-files-url"] = "Cairn:PublicFilesUrl",
        ["--single-port"] = "Cairn:SinglePort",
        ["--jwt-signing-key"] = "Cairn:JwtSigningKey",
        ["--token-lifetime"] = "Cairn:TokenLifetime",
        ["--max-request-body-bytes"] = "Cairn:MaxRequestBodyBytes",
        ["--files-root"] = "Cairn:FilesRoot",
        ["--max-upload-bytes"] = "Cairn:MaxUploadBytes",
        ["--files-auth"] = "Cairn:FilesAuth",
    };

    /// <summary>
    /// Maps <c>CAIRN_API_PORT</c> to <c>Cairn:ApiPort</c> (single underscores dropped, since keys
    /// are case-insensitive) and <c>CAIRN_USERS__0__USERNAME</c> to <c>Cairn:Users:0:Username</c>.
    /// Environment variables override appsettings.json; command-line flags override both.
    /// </summary>
    public static void AddCairnSources(ConfigurationManager configuration, string[] args, IDictionary environment)
    {
        var fromEnvironment = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment)
        {
            var name = (string)entry.Key;
            if (name.StartsWith("CAIRN_", StringComparison.OrdinalIgnoreCase))
            {
                var key = string.Join(':', name["CAIRN_".Length..]
                    .Split("__")
                    .Select(part => part.Replace("_", "", StringComparison.Ordinal)));
                fromEnvironment["Cairn:" + key] = (string?)entry.Value;
            }
        }

        var sources = configuration.Sources;
        var commandLine = sources.OfType<CommandLineConfigurationSource>().FirstOrDefault();
        var position = commandLine is null ? sources.Count : sources.IndexOf(commandLine);
        var environmentSource = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = fromEnvironment };
        sources.Insert(position, environmentSource);
        configuration.AddCommandLine(args, Switches);
    }
}
