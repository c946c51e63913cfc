using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace AICO.Logging.Tests;

/// <summary>
/// What the caller's thread keeps of a log call, read back the way the worker reads it (LogCallFormatter): values that
/// may change are read when logged, templates of immutable values are formatted later, scopes are read now.
/// </summary>
public sealed class CallerCaptureTests : IDisposable
{
    private readonly BusLoggerProvider _provider = new(new BusLoggingOptions());
    private readonly ILogger _logger;
    private readonly LogCallFormatter _formatter = new();

    public CallerCaptureTests() => _logger = _provider.CreateLogger("AICO.Tests.Caller");

    public void Dispose() => _provider.Dispose();

    private CapturedLogCall[] TakeAll()
    {
        var calls = new CapturedLogCall[_provider.Buffer.Count];
        _provider.Buffer.TakeOldest(calls);
        return calls;
    }

    private string Extra(in CapturedLogCall call) => Encoding.UTF8.GetString(_formatter.Extra(call));

    [Fact]
    public void A_mutable_argument_changed_after_the_call_is_recorded_as_it_was_when_logged()
    {
        var cart = new StringBuilder("one item");
        _logger.LogInformation("cart holds {Cart}", cart);
        cart.Clear().Append("changed later");

        var call = Assert.Single(TakeAll());
        Assert.Null(call.State);
        Assert.Equal("cart holds one item", LogCallFormatter.Message(call));
        Assert.Equal("{\"Cart\":\"one item\"}", Extra(call));
    }

    [Fact]
    public void A_template_of_immutable_values_inside_a_scope_is_still_left_to_the_worker_with_scope_values_after_its_own()
    {
        using (_logger.BeginScope(new Dictionary<string, object?> { ["RequestId"] = "r-1", ["User"] = "scope loses" }))
        {
            _logger.LogInformation("user {User} asked {Count} times", "u-9", 3);
        }

        var call = Assert.Single(TakeAll());
        Assert.NotNull(call.State);
        Assert.Null(call.Message);
        Assert.Equal("user u-9 asked 3 times", LogCallFormatter.Message(call));
        Assert.Equal("{\"User\":\"u-9\",\"Count\":\"3\",\"RequestId\":\"r-1\"}", Extra(call));
    }

    [Fact]
    public void A_LoggerMessage_call_as_the_source_generator_emits_it_is_left_to_the_worker_and_formats_the_same()
    {
        // [LoggerMessage] methods of up to six parameters compile to LoggerMessage.Define.
        var modelRequest = LoggerMessage.Define<string, int>(LogLevel.Information, new EventId(3), "Model service {Operation} request with {Items} items");
        modelRequest(_logger, "embed", 16, null);

        var call = Assert.Single(TakeAll());
        Assert.NotNull(call.State);
        Assert.Equal(3, call.EventId);
        Assert.Equal("Model service embed request with 16 items", LogCallFormatter.Message(call));
        Assert.Equal("{\"Operation\":\"embed\",\"Items\":\"16\"}", Extra(call));
    }

    [Fact]
    public void A_scope_value_that_changes_between_calls_is_recorded_as_it_was_at_each_call()
    {
        var step = new StringBuilder("first");
        using (_logger.BeginScope(new Dictionary<string, object?> { ["Step"] = step, ["RequestId"] = "r-1" }))
        {
            _logger.LogInformation("one");
            step.Clear().Append("second");
            _logger.LogInformation("two");
            step.Clear().Append("third");
        }

        var calls = TakeAll();
        Assert.Equal("{\"Step\":\"first\",\"RequestId\":\"r-1\"}", Extra(calls[0]));
        Assert.Equal("{\"Step\":\"second\",\"RequestId\":\"r-1\"}", Extra(calls[1]));
    }

    [Fact]
    public void Calls_under_unchanged_scopes_share_one_array_of_scope_values_and_a_change_makes_a_new_one()
    {
        using (_logger.BeginScope(new Dictionary<string, object?> { ["RequestId"] = "r-1", ["Attempt"] = 1 }))
        {
            _logger.LogInformation("one");
            _logger.LogInformation("two");
            using (_logger.BeginScope("inner"))
            {
                _logger.LogInformation("three");
            }

            _logger.LogInformation("four");
        }

        _logger.LogInformation("five");

        var calls = TakeAll();
        Assert.Same(calls[0].Scopes, calls[1].Scopes);
        Assert.NotSame(calls[1].Scopes, calls[2].Scopes);
        Assert.Equal("{\"RequestId\":\"r-1\",\"Attempt\":\"1\",\"Scope\":\"inner\"}", Extra(calls[2]));
        Assert.Equal("{\"RequestId\":\"r-1\",\"Attempt\":\"1\"}", Extra(calls[0]));
        Assert.Equal("{\"RequestId\":\"r-1\",\"Attempt\":\"1\"}", Extra(calls[3]));
        Assert.Null(calls[4].Scopes);
    }

    [Fact]
    public void A_scope_whose_values_cannot_be_read_costs_its_values_not_the_record()
    {
        using (_logger.BeginScope(new ThrowingScope()))
        {
            _logger.LogWarning("still recorded {Number}", 5);
        }

        var call = Assert.Single(TakeAll());
        Assert.Equal("still recorded 5", LogCallFormatter.Message(call));
        var extra = JsonDocument.Parse(Extra(call)).RootElement;
        Assert.Equal("5", extra.GetProperty("Number").GetString());
        Assert.Contains("ObjectDisposedException", extra.GetProperty("scope_error").GetString());
    }

    [Fact]
    public void Equal_numbers_that_print_differently_are_not_taken_for_the_same_scope_text()
    {
        var scope = new List<KeyValuePair<string, object?>> { new("Amount", 1.0m) };
        using (_logger.BeginScope(scope))
        {
            _logger.LogInformation("one");
            scope[0] = new("Amount", 1.00m);
            _logger.LogInformation("two");
        }

        var calls = TakeAll();
        Assert.Equal("{\"Amount\":\"1.0\"}", Extra(calls[0]));
        Assert.Equal("{\"Amount\":\"1.00\"}", Extra(calls[1]));
    }

    [Fact]
    public void Deferred_values_of_every_immutable_kind_read_in_the_extra_json_as_the_caller_would_print_them()
    {
        object[] values =
        [
            int.MinValue, -0.0, 0.1, double.NaN, 1e300, 1.50m, float.Epsilon, long.MaxValue, (byte)7, 'x', true,
            new DateTime(2026, 11, 26, 23, 5, 9, 123, DateTimeKind.Utc), new DateTimeOffset(2026, 11, 26, 23, 5, 9, TimeSpan.FromHours(-5)),
            TimeSpan.FromMilliseconds(-1234.5), Guid.Parse("0b5e2f0c-7d1a-4c55-9f1e-3a2b1c0d9e8f"), LogLevel.Warning, (LogLevel)42,
            new DateOnly(2026, 2, 28), new TimeOnly(23, 59, 59, 999), (nint)(-3), ulong.MaxValue,
        ];
        var template = string.Join(" ", values.Select((_, i) => $"{{V{i}}}"));
        _logger.Log(LogLevel.Information, template, values);

        var call = Assert.Single(TakeAll());
        Assert.NotNull(call.State); // left to the worker, which formats these values itself
        var extra = JsonDocument.Parse(Extra(call)).RootElement;
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(BusLogger.Text(values[i]), extra.GetProperty($"V{i}").GetString());
        }
    }

    [Fact]
    public void The_worker_turns_a_template_of_numbers_into_extra_json_without_a_string_per_value()
    {
        _logger.LogInformation("record {Number} of {Producer} after {Elapsed} ms", 12345, "producer-0", 0.25);
        _logger.LogInformation("record {Number} of {Producer} after {Elapsed} ms", 12346, "producer-0", 0.5);
        var calls = TakeAll();
        Extra(calls[0]); // the formatter's buffers grow on first use

        var before = GC.GetAllocatedBytesForCurrentThread();
        var extra = _formatter.Extra(calls[1]);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("{\"Number\":\"12346\",\"Producer\":\"producer-0\",\"Elapsed\":\"0.5\"}", Encoding.UTF8.GetString(extra));
        Assert.Equal(0, allocated);
    }

    /// <summary>A scope that is a view over something that has ended (like a finished request) and throws when read.</summary>
    private sealed class ThrowingScope : IEnumerable<KeyValuePair<string, object?>>
    {
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() =>
            throw new ObjectDisposedException("IFeatureCollection", "the request has finished");

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
