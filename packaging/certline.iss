; Inno Setup script: wraps the one-folder bundle from `python packaging/build.py` into an installer.
; Build on Windows with: iscc packaging\certline.iss
#define AppVersion GetEnv("CERTLINE_VERSION")
#if AppVersion == ""
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6F1C3E52-8C7B-4B8A-9E5D-2C1A7B3F9D40}
AppName=Certline
AppVersion={#AppVersion}
AppPublisher=Certline
DefaultDirName={autopf}\Certline
DefaultGroupName=Certline
OutputDir=..\dist
OutputBaseFilename=certline-{#AppVersion}-setup
SetupIconFile=certline.ico
Compression=lzma2
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog

[Files]
Source: "..\dist\certline\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\Certline"; Filename: "{app}\certline.exe"
Name: "{autodesktop}\Certline"; Filename: "{app}\certline.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\certline.exe"; Parameters: "--self-test"; Flags: runhidden waituntilterminated; StatusMsg: "Checking the installation..."
