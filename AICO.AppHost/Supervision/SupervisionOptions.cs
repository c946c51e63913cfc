using System.ComponentModel.DataAnnotations;
using AICO.Settings;

/// <summary>
/// How hard the AppHost tries to bring a crashed process back (configuration section <c>Aico:Supervision</c>), read
/// and checked when the AppHost starts: an unknown key or a value out of range stops it naming the setting.
/// </summary>
internal sealed record SupervisionOptions
{
    public const string Section = "Aico:Supervision";

    /// <summary>Wait before the first restart; each further restart in a row waits twice as long.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>At most this many restarts within <see cref="Window"/>; one more crash and the process stays down.</summary>
    [Range(0, 10_000, ErrorMessage = SettingMessages.Between)]
    public int MaxRestarts { get; init; } = 6;

    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A process that ran this long before it crashed starts the backoff again from <see cref="InitialDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = SettingMessages.Between)]
    public TimeSpan StableAfter { get; init; } = TimeSpan.FromMinutes(1);
}
