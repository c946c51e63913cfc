using AICO.Bus;
using AICO.Gateway;
using AICO.Security;

var builder = GatewayHost.CreateBuilder(args);
builder.AddAicoBusClient(Components.Gateway);
builder.AddAicoBusLogging();
builder.AddAicoDatabase(Components.Gateway);

var app = GatewayHost.Build(builder);
await GatewayHost.RunAsync(app);
