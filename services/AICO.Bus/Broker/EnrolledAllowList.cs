using AICO.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AICO.Bus;

/// <summary>
/// The broker's source of enrolled instances: <see cref="AicoPaths.EnrolmentsFile"/>, read at start and re-read every
/// poll interval; each change is handed to <c>onChange</c> (the engine applies it on its own thread). The file is small
/// and replaced by rename, so comparing its bytes is both the cheapest and the surest change test. A damaged file keeps
/// the last good list (with one warning per damaged version): a typo must not lock every remote host out.
/// </summary>
public sealed class EnrolledAllowList : IDisposable
{
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(1);

    private readonly string _path;
    private readonly Action<EnrolmentSnapshot> _onChange;
    private readonly ILogger _logger;
    private readonly Timer _timer;
    private readonly TimeSpan _interval;
    private readonly Lock _gate = new();
    private byte[]? _lastBytes;

    public EnrolledAllowList(string path, Action<EnrolmentSnapshot> onChange, ILogger? logger = null, TimeSpan? pollInterval = null)
    {
        _path = path;
        _onChange = onChange;
        _logger = logger ?? NullLogger.Instance;
        _interval = pollInterval ?? DefaultPollInterval;
        _timer = new Timer(_ => Poll(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Current = Read(File.Exists(path) ? File.ReadAllBytes(path) : []) ?? EnrolmentSnapshot.Empty;
    }

    /// <summary>The last list read successfully.</summary>
    public EnrolmentSnapshot Current { get; private set; }

    public void Start() => _timer.Change(_interval, _interval);

    /// <summary>Reads the file now and reports a change; the timer calls it, tests may too.</summary>
    public void Poll()
    {
        lock (_gate)
        {
            byte[] bytes;
            try
            {
                bytes = File.Exists(_path) ? File.ReadAllBytes(_path) : [];
            }
            catch (IOException ex)
            {
                _logger.LogWarning("bus: cannot read the enrolment list {Path}: {Reason}", _path, ex.Message);
                return;
            }

            if (_lastBytes is not null && bytes.AsSpan().SequenceEqual(_lastBytes))
            {
                return;
            }

            if (Read(bytes) is { } snapshot)
            {
                Current = snapshot;
                _onChange(snapshot);
            }
        }
    }

    public void Dispose() => _timer.Dispose();

    private EnrolmentSnapshot? Read(byte[] bytes)
    {
        _lastBytes = bytes;
        if (bytes.Length == 0)
        {
            return EnrolmentSnapshot.Empty;
        }

        try
        {
            return EnrolmentSnapshot.From(EnrolmentRegistry.Parse(bytes, _path));
        }
        catch (KeyStoreException ex)
        {
            _logger.LogWarning("bus: {Reason} The broker keeps the enrolled instances it had.", ex.Message);
            return null;
        }
    }
}
