using AICO.Security;

var builder = DistributedApplication.CreateBuilder(args);
var installation = AicoInstallation.LoadOrCreate(builder);

var broker = builder.AddProject<Projects.AICO_Broker>("broker")
    .WithEndpoint(name: "bus", scheme: "tcp", env: "BUS_PORT", isProxied: false)
    .WithAicoIdentity(installation, Components.Broker)
    .WithBusAllowList(installation)
    .WithHttpHealthCheck("/health");
var bus = broker.GetEndpoint("bus");
broker.WithBusEndpoint(bus);

var logConsumer = builder.AddProject<Projects.AICO_LogConsumer>("logconsumer")
    .WithAicoIdentity(installation, Components.LogConsumer)
    .WithDatabaseKey(installation)
    .WithBusEndpoint(bus)
    .WithHttpHealthCheck("/health")
    .WaitFor(broker);

var modelService = builder.AddProject<Projects.AICO_ModelService>("modelservice")
    .WithAicoIdentity(installation, Components.ModelService)
    .WithBusEndpoint(bus)
    .WithHttpHealthCheck("/health")
    .WaitFor(broker);

// Optional chat backend: Parameters:ollama-endpoint (e.g. http://127.0.0.1:11434); unset means "no chat model configured".
if (builder.Configuration["Parameters:ollama-endpoint"] is { Length: > 0 } ollama)
{
    modelService.WithEnvironment("ModelService__OllamaEndpoint", builder.AddParameter("ollama-endpoint", ollama));
}

builder.AddProject<Projects.AICO_Gateway>("gateway")
    .WithAicoIdentity(installation, Components.Gateway)
    .WithDatabaseKey(installation)
    .WithJwtSigningKey(installation)
    .WithBusEndpoint(bus)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints()
    .WaitFor(broker)
    .WaitFor(logConsumer)
    .WaitFor(modelService);

builder.Build().Run();
