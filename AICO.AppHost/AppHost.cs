using AICO.Security;
using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);
var installation = AicoInstallation.LoadOrCreate(builder);
var topology = AicoTopology.From(builder.Configuration);

// The bus listens where the CLI and standalone processes look by default (tcp://127.0.0.1:5555);
// Aico:BusPort=0 lets Aspire pick a free port (the integration tests run beside a developer's instance).
var busPort = builder.Configuration.GetValue("Aico:BusPort", 5555);
var broker = builder.AddProject<Projects.AICO_Broker>("broker")
    .WithEndpoint(name: "bus", scheme: "tcp", env: "BUS_PORT", port: busPort == 0 ? null : busPort, isProxied: false)
    .WithAicoIdentity(installation, Components.Broker)
    .WithBusAllowList(installation)
    .WithServiceHealthCheck()
    .WithSupervision();
var bus = broker.GetEndpoint("bus");
broker.WithBusEndpoint(bus);
if (topology.BindAddress is { } bindAddress)
{
    broker.WithEnvironment("Bus__BindAddress", builder.AddParameter(AicoTopology.BindAddressParameter, bindAddress));
}

// A component listed in Parameters:remote-components runs on another host from its enrolment bundle: not started here.
var logConsumer = !topology.RunsHere(Components.LogConsumer) ? null : builder.AddProject<Projects.AICO_LogConsumer>("logconsumer")
    .WithAicoIdentity(installation, Components.LogConsumer)
    .WithDatabaseKey(installation)
    .WithBusEndpoint(bus)
    .WithServiceHealthCheck()
    .WithSupervision()
    .WaitFor(broker);

var modelService = !topology.RunsHere(Components.ModelService) ? null : builder.AddProject<Projects.AICO_ModelService>("modelservice")
    .WithAicoIdentity(installation, Components.ModelService)
    .WithBusEndpoint(bus)
    .WithServiceHealthCheck()
    .WithSupervision()
    .WaitFor(broker);

// Optional chat backend: Parameters:ollama-endpoint (e.g. http://127.0.0.1:11434); unset means "no chat model configured".
if (modelService is not null && builder.Configuration["Parameters:ollama-endpoint"] is { Length: > 0 } ollama)
{
    modelService.WithEnvironment("ModelService__OllamaEndpoint", builder.AddParameter("ollama-endpoint", ollama));
}

if (topology.RunsHere(Components.Gateway))
{
    builder.AddProject<Projects.AICO_Gateway>("gateway")
        .WithAicoIdentity(installation, Components.Gateway)
        .WithDatabaseKey(installation)
        .WithJwtSigningKey(installation)
        .WithBusEndpoint(bus)
        .WithServiceHealthCheck()
        .WithExternalHttpEndpoints()
        .WithSupervision()
        .WaitFor(broker)
        .WaitForIfHere(logConsumer)
        .WaitForIfHere(modelService);
}

builder.Build().Run();
