using System.Diagnostics;
using System.Threading.Channels;

namespace AICO.Bus;

/// <summary>
/// One local subscription: the socket thread writes deliveries into a bounded channel (drops counted), and one task
/// runs the handler for each in order, inside an Activity parented from the publisher's trace context.
/// </summary>
internal sealed class Subscription
{
    private readonly Channel<BusMessage> _channel;
    private readonly Func<BusMessage, CancellationToken, Task> _handler;
    private readonly Action<string> _warn;
    private readonly CancellationTokenSource _stop = new();
    private Task? _consumer;
    private int _stopped;

    public Subscription(string prefix, Func<BusMessage, CancellationToken, Task> handler, int capacity, Action<string> warn)
    {
        Prefix = prefix;
        PrefixUtf8 = System.Text.Encoding.UTF8.GetBytes(prefix);
        _handler = handler;
        _warn = warn;
        _channel = Channel.CreateBounded<BusMessage>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string Prefix { get; }
    public byte[] PrefixUtf8 { get; }
    public TaskCompletionSource Confirmed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public long Dropped;

    /// <summary>Handler exceptions; logged at the 1st, 10th, 100th... so a failing handler cannot flood the log.</summary>
    public long Failures;

    public void Start() => _consumer = Task.Run(ConsumeAsync);

    /// <summary>The broker's answer to a SUBSCRIBE: confirms the subscription, or fails it (a refused restore after a reconnect is only logged).</summary>
    public void ConfirmWith(Task ack) => ack.ContinueWith(
        t =>
        {
            if (t.IsCompletedSuccessfully)
            {
                Confirmed.TrySetResult();
            }
            else if (t.Exception?.InnerException is { } error && !Confirmed.TrySetException(error))
            {
                _warn($"the broker refused to restore the subscription '{Prefix}': {error.Message}");
            }
        },
        TaskScheduler.Default);

    public bool TryDeliver(BusMessage message)
    {
        if (_channel.Writer.TryWrite(message))
        {
            return true;
        }

        Interlocked.Increment(ref Dropped);
        return false;
    }

    public async ValueTask StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        _channel.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_consumer is { } consumer)
        {
            await consumer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stop.Dispose();
    }

    private async Task ConsumeAsync()
    {
        var token = _stop.Token;
        try
        {
            await foreach (var message in _channel.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                using var activity = StartActivity(message);
                try
                {
                    await _handler(message, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                    var failures = Interlocked.Increment(ref Failures);
                    if (IsPowerOfTen(failures))
                    {
                        _warn($"handler for '{Prefix}' failed on '{message.Topic}' ({failures} failure(s) so far): {ex.GetType().Name}: {ex.Message}");
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private static bool IsPowerOfTen(long n)
    {
        while (n >= 10 && n % 10 == 0)
        {
            n /= 10;
        }

        return n == 1;
    }

    private static Activity? StartActivity(BusMessage message)
    {
        if (!BusTelemetry.Source.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(message.TraceParent, message.TraceState, out var parent);
        var activity = BusTelemetry.Source.StartActivity("receive " + message.Topic, ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "aico.bus");
        activity?.SetTag("messaging.destination.name", message.Topic);
        activity?.SetTag("messaging.message.id", message.MessageId);
        activity?.SetTag("aico.bus.source", message.SourceComponent);
        return activity;
    }
}
