namespace AICO.Cli;

/// <summary>An expected failure with a message for the user; never a stack trace.</summary>
public sealed class CliException(string message, int exitCode = ExitCodes.Failure) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
