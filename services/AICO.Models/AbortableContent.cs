using System.Net;

namespace AICO.Models;

/// <summary>
/// A response's content that is disposed, closing its connection, the moment a cancellation token fires: a read
/// pending on it then fails at once, even when the reader never passed the token to that read.
/// </summary>
internal sealed class AbortableContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly CancellationTokenRegistration _abort;

    public AbortableContent(HttpContent inner, CancellationToken cancellationToken)
    {
        _inner = inner;
        foreach (var header in inner.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        _abort = cancellationToken.UnsafeRegister(static content => ((HttpContent)content!).Dispose(), inner);
    }

    protected override Task<Stream> CreateContentReadStreamAsync() => _inner.ReadAsStreamAsync();

    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) => _inner.ReadAsStreamAsync(cancellationToken);

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => _inner.ReadAsStream(cancellationToken);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => _inner.CopyToAsync(stream);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        _inner.CopyToAsync(stream, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _abort.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
