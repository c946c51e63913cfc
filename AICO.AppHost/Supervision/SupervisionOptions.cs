/// <summary>How hard the AppHost tries to bring a crashed process back (configuration section <c>Aico:Supervision</c>).</summary>
internal sealed record SupervisionOptions
{
    public const string Section = "Aico:Supervision";

    /// <summary>Wait before the first restart; each further restart in a row waits twice as long.</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>At most this many restarts within <see cref="Window"/>; one more crash and the process stays down.</summary>
    public int MaxRestarts { get; init; } = 6;

    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A process that ran this long before it crashed starts the backoff again from <see cref="InitialDelay"/>.</summary>
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromMinutes(1);
}
