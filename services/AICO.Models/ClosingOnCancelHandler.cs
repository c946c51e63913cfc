namespace AICO.Models;

/// <summary>
/// Closes a streamed response's connection the moment its request is cancelled. OllamaSharp reads the NDJSON stream
/// without passing the token to each read, so a cancelled chat would otherwise wait for the model's next line (or
/// forever during a long pause) before the backend learns its client went away. Disposing the response with
/// draining off (see <see cref="ChatClientFactory"/>) closes the socket, which fails the pending read at once.
/// </summary>
internal sealed class ClosingOnCancelHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(static r => ((HttpResponseMessage)r!).Dispose(), response);
            response.Content = new RegistrationOwningContent(response.Content, registration);
        }

        return response;
    }

    /// <summary>The response's own content, which also ends the cancellation registration when it is disposed.</summary>
    private sealed class RegistrationOwningContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly CancellationTokenRegistration _registration;

        public RegistrationOwningContent(HttpContent inner, CancellationTokenRegistration registration)
        {
            _inner = inner;
            _registration = registration;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => _inner.CopyToAsync(stream);

        protected override Task<Stream> CreateContentReadStreamAsync() => _inner.ReadAsStreamAsync();

        protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) => _inner.ReadAsStreamAsync(cancellationToken);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _registration.Dispose();
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
