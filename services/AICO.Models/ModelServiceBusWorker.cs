using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using AICO.Bus;
using AICO.Models.Contracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AICO.Models;

/// <summary>
/// Answers the model service topics on the bus. The subscription callback only admits a request (bounded queue,
/// "busy" beyond it) and returns; the work runs with at most <see cref="ModelServiceOptions.MaxConcurrentRequests"/>
/// at once, each under its own timeout, and always ends in exactly one reply (a result or a typed error).
/// On stop, requests in flight are cancelled and answered before the worker returns.
/// </summary>
public sealed partial class ModelServiceBusWorker(
    IBusClient bus,
    ModelServiceRequestHandler handler,
    IOptions<ModelServiceOptions> options,
    ILogger<ModelServiceBusWorker> logger) : BackgroundService
{
    public static readonly ActivitySource ActivitySource = new("AICO.Models");

    /// <summary>Handles one admitted request; the reply stream is null for a plain request.</summary>
    private delegate Task<ModelServiceReply> Handler(BusReplyStream? stream, CancellationToken cancellationToken);

    private readonly ModelServiceOptions _options = options.Value;
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentRequests, options.Value.MaxConcurrentRequests);
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private int _admitted;

    /// <summary>True once both topics are subscribed (the readiness health check reports it).</summary>
    public bool IsSubscribed { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await bus.WaitUntilAuthenticatedAsync(stoppingToken);
        await using var embeddings = await bus.SubscribeAsync(ModelServiceTopics.EmbeddingsRequest,
            (message, _) => AdmitAsync(message, (_, ct) => handler.HandleEmbeddingsAsync(message.Payload, ct), stoppingToken), stoppingToken);
        await using var chat = await bus.SubscribeAsync(ModelServiceTopics.ChatRequest,
            (message, _) => AdmitAsync(message, (stream, ct) => stream is null
                ? handler.HandleChatAsync(message.Payload, ct)
                : handler.StreamChatAsync(message.Payload, (tokens, c) => WriteTokensAsync(stream, tokens, c), ct), stoppingToken), stoppingToken);
        IsSubscribed = true;
        LogSubscribed(logger, ModelServiceTopics.EmbeddingsRequest, ModelServiceTopics.ChatRequest);

        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            IsSubscribed = false;
        }

        await Task.WhenAll(_inFlight.Keys);
    }

    private async Task AdmitAsync(BusMessage message, Handler handle, CancellationToken stoppingToken)
    {
        if (Interlocked.Increment(ref _admitted) > _options.MaxConcurrentRequests + _options.MaxQueuedRequests)
        {
            Interlocked.Decrement(ref _admitted);
            LogBusy(logger, message.Topic);
            await using var stream = message.StreamWindow > 0 ? bus.OpenReplyStream(message) : null;
            await ReplyAsync(message, stream, ModelServiceReply.Error(ModelServiceErrorCodes.Busy, "the model service has too many requests queued; retry later"), stoppingToken);
            return;
        }

        var work = Task.Run(() => ProcessAsync(message, handle, stoppingToken), CancellationToken.None);
        _inFlight.TryAdd(work, 0);
        _ = work.ContinueWith(t => _inFlight.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task ProcessAsync(BusMessage message, Handler handle, CancellationToken stoppingToken)
    {
        try
        {
            using var activity = StartActivity(message);
            // A stream's requester can cancel (its HTTP caller went away): that reaches the chat backend's call at once.
            await using var stream = message.StreamWindow > 0 ? bus.OpenReplyStream(message) : null;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, stream?.Cancelled ?? CancellationToken.None);
            timeout.CancelAfter(_options.RequestTimeout);
            ModelServiceReply reply;
            try
            {
                await _slots.WaitAsync(timeout.Token);
                try
                {
                    reply = await handle(stream, timeout.Token);
                }
                finally
                {
                    _slots.Release();
                }
            }
            catch (OperationCanceledException) when (stream is { Cancelled.IsCancellationRequested: true } && !stoppingToken.IsCancellationRequested)
            {
                LogStreamCancelled(logger, message.Topic, stream.CancelReason ?? "cancelled");
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                reply = ModelServiceReply.Error(ModelServiceErrorCodes.BackendUnavailable, "the model service is shutting down");
            }
            catch (OperationCanceledException)
            {
                reply = ModelServiceReply.Error(ModelServiceErrorCodes.Timeout, $"the request took longer than {_options.RequestTimeout.TotalSeconds:0} s");
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex, message.Topic);
                reply = ModelServiceReply.Error(ModelServiceErrorCodes.Internal, "the model service failed to handle the request");
            }

            activity?.SetTag("aico.reply_type", reply.MessageType);
            await ReplyAsync(message, stream, reply, CancellationToken.None);
            LogAnswered(logger, message.Topic, message.SourceComponent, reply.MessageType, Activity.Current?.TraceId.ToString() ?? "none");
        }
        finally
        {
            Interlocked.Decrement(ref _admitted);
        }
    }

    private static ValueTask WriteTokensAsync(BusReplyStream stream, IReadOnlyList<string> tokens, CancellationToken cancellationToken) =>
        stream.WriteAsync(ModelServiceTopics.ChatTokensType, JsonSerializer.SerializeToUtf8Bytes(new ChatTokens(tokens), ModelServiceJsonContext.Default.ChatTokens), cancellationToken);

    /// <summary>A plain request gets one reply; a stream request gets the reply as its end frame.</summary>
    private async Task ReplyAsync(BusMessage request, BusReplyStream? stream, ModelServiceReply reply, CancellationToken cancellationToken)
    {
        try
        {
            if (stream is null)
            {
                await bus.ReplyAsync(request, reply.MessageType, reply.Payload, cancellationToken);
            }
            else if (!stream.Cancelled.IsCancellationRequested)
            {
                await stream.CompleteAsync(reply.MessageType, reply.Payload, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogReplyFailed(logger, ex, request.Topic);
        }
    }

    /// <summary>
    /// The bus runs handlers inside an activity of the requester's trace, which flows here; the envelope's
    /// traceparent is the fallback when nothing listens to the bus's own activity source.
    /// </summary>
    private static Activity? StartActivity(BusMessage message)
    {
        var parent = Activity.Current?.Context ?? default;
        if (Activity.Current is null)
        {
            ActivityContext.TryParse(message.TraceParent, message.TraceState, out parent);
        }

        var activity = ActivitySource.StartActivity("modelservice " + message.Topic, ActivityKind.Server, parent);
        activity?.SetTag("messaging.message.id", message.MessageId);
        activity?.SetTag("messaging.source", message.SourceComponent);
        return activity;
    }

    public override void Dispose()
    {
        _slots.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model service answering {EmbeddingsTopic} and {ChatTopic}")]
    private static partial void LogSubscribed(ILogger logger, string embeddingsTopic, string chatTopic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Answered {Topic} from {Source} with {ReplyType} (trace {TraceId})")]
    private static partial void LogAnswered(ILogger logger, string topic, string source, string replyType, string traceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream on {Topic} stopped: {Reason}")]
    private static partial void LogStreamCancelled(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model service busy: request on {Topic} refused")]
    private static partial void LogBusy(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request on {Topic} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reply to a request on {Topic} could not be sent")]
    private static partial void LogReplyFailed(ILogger logger, Exception exception, string topic);
}
