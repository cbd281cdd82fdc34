// The namespaces nearly every file of the core uses: TorchSharp and the core's own.
global using TorchSharp;
global using static TorchSharp.torch;
global using Dsno.Data;
global using Dsno.Diffusion;
global using Dsno.Models;
global using Dsno.Networks;
global using Dsno.Runtime;
global using Dsno.Training;
