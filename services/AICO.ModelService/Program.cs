using AICO.Bus;
using AICO.Models;
using AICO.Security;

// ONNX Runtime writes local telemetry unless told not to; set before the model loads.
Environment.SetEnvironmentVariable("ORT_DISABLE_TELEMETRY", "1");

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddAicoBusClient(Components.ModelService);
builder.AddModelService();
builder.AddAicoBusLogging();

var app = builder.Build();
app.MapDefaultEndpoints();

var keys = ComponentKeys.Resolve(Components.ModelService, name => app.Configuration[name], AicoPaths.FromEnvironment());
app.Logger.LogInformation("AICO modelservice starting with public key {PublicKey}", keys.KeyPair.PublicKeyZ85);

app.Run();
