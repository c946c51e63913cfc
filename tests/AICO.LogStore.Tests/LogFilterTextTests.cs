using AICO.LogStore;
using Microsoft.Extensions.Logging;

namespace AICO.LogStore.Tests;

/// <summary>What the filters typed at `aico logs` and GET /api/v1/logs mean: one parser for both.</summary>
public class LogFilterTextTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("15m", 15 * 60)]
    [InlineData("2h", 2 * 3600)]
    [InlineData("7d", 7 * 86400)]
    [InlineData(" 2H ", 2 * 3600)]
    [InlineData("36500d", 36500L * 86400)]
    public void Durations_are_a_whole_number_and_a_unit(string text, long seconds)
    {
        Assert.True(DurationText.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("h")]
    [InlineData("-5m")]
    [InlineData("1.5h")]
    [InlineData("2w")]
    [InlineData("36501d")]
    [InlineData("99999999999999999999d")]
    [InlineData("9223372036854775807s")]
    public void Anything_else_is_not_a_duration(string text)
    {
        Assert.False(DurationText.TryParse(text, out _));
    }

    [Fact]
    public void Every_filter_parses_to_its_one_meaning()
    {
        var filter = new LogFilterText
        {
            Level = "warn", Component = " gateway ", Subsystem = "Microsoft.AspNetCore", Since = "2h", Until = "2026-11-26T11:30:00",
            TraceId = "0AF7651916CD43DD8448EB211C80319C", Grep = " 100% ",
        }.ToFilter(Now, out var problems);

        Assert.Empty(problems);
        Assert.NotNull(filter);
        Assert.Equal(LogLevel.Warning, filter.MinimumLevel);
        Assert.Equal("gateway", filter.Component);
        Assert.Equal(Now.AddHours(-2), filter.Since);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 11, 30, 0, TimeSpan.Zero), filter.Until);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", filter.TraceId);
        Assert.Equal(" 100% ", filter.Grep);
    }

    [Fact]
    public void Blank_values_are_no_filter()
    {
        var filter = new LogFilterText { Level = " ", Component = "", Since = "  ", Grep = "" }.ToFilter(Now, out var problems);

        Assert.Empty(problems);
        Assert.Equal(new LogFilter(), filter);
    }

    [Fact]
    public void Each_bad_value_is_reported_under_its_field()
    {
        var filter = new LogFilterText { Level = "loud", Since = "yesterday-ish", TraceId = "xyz" }.ToFilter(Now, out var problems);

        Assert.Null(filter);
        Assert.Equal(["level", "since", "trace_id"], problems.Keys.Order());
        Assert.Contains("'loud' is not a level", problems["level"]);
        Assert.Contains("'yesterday-ish' is not a date", problems["since"]);
    }

    [Fact]
    public void Since_must_come_before_until()
    {
        new LogFilterText { Since = "1h", Until = "2h" }.ToFilter(Now, out var problems);

        Assert.Equal("must be later than since", problems["until"]);
    }
}
