using AICO.Gateway;

var builder = GatewayHost.CreateBuilder(args);
var app = GatewayHost.Build(builder);
await GatewayHost.RunAsync(app);
