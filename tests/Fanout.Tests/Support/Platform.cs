// The suite uses real Linux parts (signals, FIFOs, runuser, coreutils); it runs on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
