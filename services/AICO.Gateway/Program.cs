using AICO.Bus;
using AICO.Gateway;
using AICO.Security;

var builder = GatewayHost.CreateBuilder(args);
builder.AddAicoBusClient(Components.Gateway);
builder.AddAicoBusLogging();
builder.AddAicoLogPipelineHealth();
builder.AddAicoDatabase(Components.Gateway);

var app = GatewayHost.Build(builder);
app.Logger.LogInformation("AICO gateway starting with public key {PublicKey}", app.Services.GetRequiredService<ComponentKeys>().KeyPair.PublicKeyZ85);
await GatewayHost.RunAsync(app);
