using Dsno.Runtime;

namespace Dsno.Tests.Reliability;

/// <summary>AtomicFile, behind every file src writes: a write that fails leaves no file, or the earlier one as it was.</summary>
public class AtomicFileTests
{
    [Fact]
    public void AFailedWriteLeavesNoFileAndNoTemporaryFile()
    {
        using var folder = new TempFolder();
        string path = folder.File(Path.Combine("new", "data.bin"));
        var error = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[1000]);
            throw new IOException("disk full");
        }));
        Assert.Equal("disk full", error.Message);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(folder.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void AFailedWriteKeepsTheEarlierFileAndASuccessfulOneReplacesIt()
    {
        using var folder = new TempFolder();
        string path = folder.File("data.bin");
        AtomicFile.WriteAllBytes(path, new byte[] { 1, 2, 3 });
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[] { 9, 9, 9, 9 });
            throw new InvalidOperationException("the writer failed");
        }));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));

        // A writer that closes the stream itself (ML.NET's savers, TorchSharp's module.save) still commits.
        AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[] { 4, 5 });
            stream.Dispose();
        });
        Assert.Equal(new byte[] { 4, 5 }, File.ReadAllBytes(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void DisposingWithoutCommittingDeletesTheTemporaryFile()
    {
        using var folder = new TempFolder();
        string path = folder.File("data.bin");
        string temporary;
        using (var file = new AtomicFile(path))
        {
            temporary = file.TemporaryPath;
            file.Stream.Write(new byte[] { 1 });
            Assert.True(File.Exists(temporary));
            Assert.False(File.Exists(path));
        }
        Assert.False(File.Exists(temporary));
        Assert.False(File.Exists(path));
        Assert.Throws<IOException>(() => new AtomicFile(folder.Path));
    }

    [Fact]
    public void LeftoversOfAKilledWriterAreDeletedOnlyForTheirTarget()
    {
        using var folder = new TempFolder();
        string path = folder.File("data.bin");
        var leftover = new AtomicFile(path); // as a killed process leaves it: never committed nor disposed
        leftover.Stream.Write(new byte[] { 7 });
        leftover.Stream.Dispose();
        File.WriteAllText(folder.File("data.bin.node7.4242.tmp"), "left by an earlier version");
        File.WriteAllText(folder.File("other.bin.1.tmp"), "another target's");
        File.WriteAllText(folder.File("data.bin.tmp.keep"), "not a leftover");

        AtomicFile.DeleteLeftovers(path);
        Assert.Equal(new[] { "data.bin.tmp.keep", "other.bin.1.tmp" },
            Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
    }
}
