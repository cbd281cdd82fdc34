namespace Dsno.MLNet.Internal;

/// <summary>A transformer type and the loader signature its sub-model headers carry.</summary>
/// <param name="TransformerType">The <see cref="Microsoft.ML.ITransformer"/> that declares the static <c>Create</c> loader.</param>
/// <param name="LoaderSignature">At most 24 printable ASCII characters, unique (case-insensitively) in the process.</param>
internal sealed record ModelLoaderRegistration(Type TransformerType, string LoaderSignature);
