namespace Cairn.Cli;

/// <summary>The process exit codes, documented in docs/cli.md; scripts depend on them.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>The command ran and failed: the server refused, a model was not found, the network failed, a hash did not match.</summary>
    public const int Failed = 1;

    /// <summary>The command line was wrong: unknown command or flag, a missing argument, a query with a syntax error.</summary>
    public const int Usage = 2;
}

/// <summary>A mistake in the command line that parsing could not catch (e.g. two options that exclude each other); exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>A command that ran and failed for a reason the user can act on (no model matched); exit code 1.</summary>
internal sealed class CommandFailedException(string message) : Exception(message);
