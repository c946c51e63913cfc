/// <summary>
/// The restart rules for one supervised process, like a service manager's "restart on failure": an exit the user
/// asked for (a stop from the dashboard or the CLI) or a clean exit (code 0) is left alone; a crash, a kill or a
/// non-zero exit is restarted after an exponential backoff (1 s doubling to 30 s, reset after a stable run), and
/// after too many restarts within a window the process stays down with the reason until someone starts it.
/// </summary>
internal sealed class RestartPolicy(SupervisionOptions options)
{
    private readonly Queue<DateTimeOffset> _recent = new();
    private int _consecutive;

    public SupervisionOptions Options { get; } = options;

    /// <summary>Restarts this policy decided on since the AppHost started.</summary>
    public int TotalRestarts { get; private set; }

    public bool GaveUp { get; private set; }

    /// <param name="now">When the exit was seen.</param>
    /// <param name="exitCode">The process's exit code; null when unknown (e.g. it never started).</param>
    /// <param name="stopRequested">The process was asked to stop (it went through "Stopping").</param>
    /// <param name="ranFor">How long it ran before it exited; null when it never ran.</param>
    public RestartDecision OnExit(DateTimeOffset now, int? exitCode, bool stopRequested, TimeSpan? ranFor)
    {
        if (stopRequested)
        {
            return RestartDecision.LeaveDown("stopped on request");
        }

        if (exitCode == 0)
        {
            return RestartDecision.LeaveDown("exited cleanly (exit code 0)");
        }

        while (_recent.TryPeek(out var oldest) && now - oldest > Options.Window)
        {
            _recent.Dequeue();
        }

        var what = exitCode is { } code ? $"exit code {code}{SignalName(code)}" : "failed to start";
        if (_recent.Count >= Options.MaxRestarts)
        {
            GaveUp = true;
            return RestartDecision.LeaveDown(
                $"{what}; it crashed {_recent.Count + 1} times within {Describe(Options.Window)}, so it stays down until started by hand");
        }

        if (ranFor >= Options.StableAfter)
        {
            _consecutive = 0;
        }

        var delay = TimeSpan.FromTicks(Math.Min(
            Options.MaxDelay.Ticks,
            Options.InitialDelay.Ticks * (1L << Math.Min(_consecutive, 30))));
        _consecutive++;
        _recent.Enqueue(now);
        TotalRestarts++;
        return new RestartDecision(true, delay, TotalRestarts, $"{what}; restart {TotalRestarts} in {Describe(delay)} ({_recent.Count} of at most {Options.MaxRestarts} within {Describe(Options.Window)})");
    }

    /// <summary>Someone started the process by hand after the policy gave up: count from zero again.</summary>
    public void Reset()
    {
        GaveUp = false;
        _consecutive = 0;
        _recent.Clear();
    }

    /// <summary>128 + n is how a shell reports death by signal n; name the two a supervisor sees most.</summary>
    private static string SignalName(int exitCode) => exitCode switch
    {
        137 => " (SIGKILL)",
        134 => " (SIGABRT)",
        139 => " (SIGSEGV)",
        _ => "",
    };

    private static string Describe(TimeSpan span) =>
        span.TotalMinutes >= 1 && span.Seconds == 0 ? $"{span.TotalMinutes:0} min" : $"{span.TotalSeconds:0.#} s";
}
