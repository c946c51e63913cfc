using AICO.Bus;
using AICO.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// A producer process for the log pipeline tests: logs <count> numbered records through the real bus logger
// (the first <startup> of them before the host, and so the bus client, has even started), then waits until the
// consumer has acknowledged every record and exits 0 ("flushed"), or exits 1 after <flush-seconds>.
// Usage: AICO.Logging.TestProducer <component> <count> [startup] [records-per-ms-pause] [flush-seconds]
// Environment: AICO_DATA_DIR (key store), Bus__Endpoint, optionally Logging__Bus__BufferCapacity, and
// AICO_TEST_RATE (records per second after start-up, paced; instead of the pause every N records).
if (args.Length < 2 || !int.TryParse(args[1], out var count))
{
    Console.Error.WriteLine("usage: AICO.Logging.TestProducer <component> <count> [startup] [records-per-ms-pause] [flush-seconds]");
    return 2;
}

var component = args[0];
var startup = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : count;
var perPause = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 0;
var flushSeconds = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 120;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Configuration.AddEnvironmentVariables();
builder.Logging.SetMinimumLevel(LogLevel.Information);
builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
builder.AddAicoBusClient(component);
builder.AddAicoBusLogging();
using var host = builder.Build();

var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AICO.TestProducer.Numbered");
for (var i = 1; i <= startup; i++)
{
    logger.LogInformation("record {Number}", i);
}

var rate = int.TryParse(Environment.GetEnvironmentVariable("AICO_TEST_RATE"), out var perSecond) ? perSecond : 0;
await host.StartAsync();
Console.WriteLine("started");
var clock = System.Diagnostics.Stopwatch.StartNew();
for (var i = startup + 1; i <= count; i++)
{
    logger.LogInformation("record {Number}", i);
    if (rate > 0)
    {
        var due = TimeSpan.FromSeconds((double)(i - startup) / rate) - clock.Elapsed;
        if (due > TimeSpan.FromMilliseconds(1))
        {
            await Task.Delay(due);
        }
    }
    else if (perPause > 0 && i % perPause == 0)
    {
        await Task.Delay(1);
    }
}

var provider = host.Services.GetRequiredService<BusLoggerProvider>();
var flushed = await provider.FlushAsync(TimeSpan.FromSeconds(flushSeconds));
Console.WriteLine(flushed ? "flushed" : "not flushed");
await host.StopAsync();
return flushed ? 0 : 1;
