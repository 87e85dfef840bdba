# Build the Windows bundle of coopos (PyInstaller, one folder) and its installer.
#
#   powershell -ExecutionPolicy Bypass -File installer\build-windows.ps1
#
# Needs: Python 3.11+ (64-bit) on PATH as "py" or "python", and Inno Setup 6 (its
# ISCC.exe on PATH or in its default folder) for the installer step; without Inno Setup
# the bundle is still built and self-tested, and the script says so.
#
# Output: build\bundle\coopos\ (coopos.exe: the till, no console window; coopos-cli.exe:
# the same program for commands and --self-test) and dist\coopos-VERSION-setup.exe.
$ErrorActionPreference = "Stop"
$Root = Resolve-Path (Join-Path $PSScriptRoot "..")
Set-Location $Root

$Python = Join-Path $Root ".venv\Scripts\python.exe"
if (-not (Test-Path $Python)) {
    $Launcher = (Get-Command py -ErrorAction SilentlyContinue)
    if ($Launcher) { & py -3 -m venv .venv } else { & python -m venv .venv }
    if ($LASTEXITCODE -ne 0) { throw "Could not create .venv" }
}
& $Python -m pip install -q -e . "pyinstaller>=6.5"
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }

$Version = (& $Python -c "import coopos; print(coopos.__version__)").Trim()
Write-Host "== coopos $Version for Windows"

& $Python -m PyInstaller --noconfirm --clean --log-level WARN `
    --distpath build\bundle --workpath build\pyinstaller installer\coopos.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
$Bundle = Join-Path $Root "build\bundle\coopos"

Write-Host "== self-test of the frozen app"
$Scratch = Join-Path ([IO.Path]::GetTempPath()) ("coopos-build-" + [guid]::NewGuid())
$env:COOPOS_DATA_DIR = Join-Path $Scratch "data"
$env:COOPOS_LOG_DIR = Join-Path $Scratch "logs"
try {
    & (Join-Path $Bundle "coopos-cli.exe") --self-test
    if ($LASTEXITCODE -ne 0) { throw "The frozen app failed its self-test" }
} finally {
    Remove-Item Env:COOPOS_DATA_DIR, Env:COOPOS_LOG_DIR
    Remove-Item -Recurse -Force $Scratch -ErrorAction SilentlyContinue
}

Write-Host "== installer"
$Iscc = (Get-Command ISCC.exe -ErrorAction SilentlyContinue).Source
if (-not $Iscc) {
    foreach ($Candidate in @(
            "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
            "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
            "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe")) {
        if (Test-Path $Candidate) { $Iscc = $Candidate; break }
    }
}
if (-not $Iscc) {
    Write-Warning "Inno Setup 6 not found: the bundle is in $Bundle, but no installer was made."
    Write-Warning "Install it (winget install JRSoftware.InnoSetup) and run this script again."
    exit 0
}
New-Item -ItemType Directory -Force -Path dist | Out-Null
& $Iscc "/DAppVersion=$Version" "/DBundleDir=$Bundle" "/DOutputDir=$(Join-Path $Root 'dist')" `
    installer\coopos.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Write-Host "installer: dist\coopos-$Version-setup.exe"
