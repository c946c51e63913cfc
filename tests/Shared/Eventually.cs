namespace AICO.TestSupport;

/// <summary>Polls a condition until a generous deadline: only for waits where the code under test offers no signal (counters, health, files).</summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(30);

    public static Task TrueAsync(Func<bool> condition, string because, TimeSpan? within = null) =>
        TrueAsync(() => Task.FromResult(condition()), because, within);

    public static async Task TrueAsync(Func<Task<bool>> condition, string because, TimeSpan? within = null)
    {
        var deadline = within ?? DefaultDeadline;
        var giveUp = DateTime.UtcNow + deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > giveUp)
            {
                Assert.Fail($"timed out after {deadline.TotalSeconds:0} s waiting until {because}");
            }

            await Task.Delay(20);
        }
    }
}
