/// <summary>What the supervisor does about one exit of a process: restart it after a delay, or leave it down and why.</summary>
internal sealed record RestartDecision(bool Restart, TimeSpan Delay, int Attempt, string Reason)
{
    public static RestartDecision LeaveDown(string reason) => new(false, TimeSpan.Zero, 0, reason);
}
