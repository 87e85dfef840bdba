; Inno Setup 6 script: the Windows installer of coopos (built by build-windows.ps1).
;
;   ISCC.exe /DAppVersion=0.1.0 /DBundleDir=build\bundle\coopos /DOutputDir=dist coopos.iss
;
; - Per-user install (no administrator password): the program goes to
;   %LOCALAPPDATA%\Programs\coopos; a newer version installs over it.
; - The data stay in the user's folder, %LOCALAPPDATA%\coopos (database, backups\) and
;   %LOCALAPPDATA%\coopos\Logs, which coopos itself creates (platformdirs): an update or
;   an uninstall never touches them, unless the user ticks "also delete my data" when
;   uninstalling (and confirms).
; - Start-menu entries: coopos, its self-test, and the data folder.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\build\bundle\coopos"
#endif
#ifndef OutputDir
  #define OutputDir "..\dist"
#endif

[Setup]
; Never change AppId: it is how a newer version finds the installed one.
AppId={{6C1E5B7A-3F0D-4C8E-9B1A-C0095C0A0B01}
AppName=coopos
AppVersion={#AppVersion}
AppVerName=coopos {#AppVersion}
AppPublisher=coopos
DefaultDirName={autopf}\coopos
DefaultGroupName=coopos
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=coopos-{#AppVersion}-setup
SetupIconFile=..\resources\icons\coopos.ico
UninstallDisplayIcon={app}\coopos.exe
UninstallDisplayName=coopos
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; a running coopos is closed (its cart is saved on close) and started again
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
Name: "fr"; MessagesFile: "compiler:Languages\French.isl"

[CustomMessages]
en.SelfTest=coopos self-test
fr.SelfTest=coopos auto-test
en.DataFolder=coopos data (database, backups)
fr.DataFolder=Données de coopos (base, sauvegardes)
en.UninstallTitle=Uninstall coopos
fr.UninstallTitle=Désinstaller coopos
en.UninstallInfo=coopos will be removed from this computer. Your sales, stock and backups stay in %1, so that a new installation finds them again.
fr.UninstallInfo=coopos sera retiré de cet ordinateur. Vos ventes, votre stock et vos sauvegardes restent dans %1, pour qu'une nouvelle installation les retrouve.
en.DeleteDataBox=Also delete my data (all sales, stock, backups and logs)
fr.DeleteDataBox=Supprimer aussi mes données (toutes les ventes, le stock, les sauvegardes et les journaux)
en.DeleteDataConfirm=Really delete ALL the sales, stock and backups in %1? This cannot be undone.
fr.DeleteDataConfirm=Vraiment supprimer TOUTES les ventes, le stock et les sauvegardes dans %1 ? C'est définitif.
en.UninstallButton=Uninstall
fr.UninstallButton=Désinstaller
en.CancelButton=Cancel
fr.CancelButton=Annuler

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[InstallDelete]
; an update replaces the whole program: no stale library from the older version stays
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Dirs]
; created here so the Start-menu link to it works before the first start; never removed
Name: "{localappdata}\coopos"; Flags: uninsneveruninstall

[Icons]
Name: "{group}\coopos"; Filename: "{app}\coopos.exe"; WorkingDir: "{localappdata}\coopos"
Name: "{group}\{cm:SelfTest}"; Filename: "{cmd}"; Parameters: "/k """"{app}\coopos-cli.exe"" --self-test"""; WorkingDir: "{localappdata}\coopos"; IconFilename: "{app}\coopos.exe"
Name: "{group}\{cm:DataFolder}"; Filename: "{localappdata}\coopos"
Name: "{autodesktop}\coopos"; Filename: "{app}\coopos.exe"; WorkingDir: "{localappdata}\coopos"; Tasks: desktopicon

[Run]
Filename: "{app}\coopos.exe"; Description: "{cm:LaunchProgram,coopos}"; Flags: nowait postinstall skipifsilent

[Code]
var
  DeleteData: Boolean;

function DataDir(): String;
begin
  Result := ExpandConstant('{localappdata}\coopos');
end;

{ Ask at the start of an uninstall: keep the data (the default) or delete it too. }
function InitializeUninstall(): Boolean;
var
  Form: TSetupForm;
  Info: TNewStaticText;
  Box: TNewCheckBox;
  OkButton, CancelButton: TNewButton;
begin
  Result := True;
  DeleteData := False;
  if UninstallSilent then
    Exit;  { a silent uninstall (or an update script) always keeps the data }
  Form := CreateCustomForm();
  try
    Form.ClientWidth := ScaleX(440);
    Form.ClientHeight := ScaleY(170);
    Form.Caption := CustomMessage('UninstallTitle');

    Info := TNewStaticText.Create(Form);
    Info.Parent := Form;
    Info.Left := ScaleX(12);
    Info.Top := ScaleY(12);
    Info.Width := Form.ClientWidth - ScaleX(24);
    Info.Height := ScaleY(60);
    Info.AutoSize := False;
    Info.WordWrap := True;
    Info.Caption := FmtMessage(CustomMessage('UninstallInfo'), [DataDir()]);

    Box := TNewCheckBox.Create(Form);
    Box.Parent := Form;
    Box.Left := ScaleX(12);
    Box.Top := ScaleY(84);
    Box.Width := Form.ClientWidth - ScaleX(24);
    Box.Height := ScaleY(20);
    Box.Caption := CustomMessage('DeleteDataBox');
    Box.Checked := False;

    OkButton := TNewButton.Create(Form);
    OkButton.Parent := Form;
    OkButton.Width := ScaleX(100);
    OkButton.Height := ScaleY(26);
    OkButton.Left := Form.ClientWidth - ScaleX(12 + 100 + 8 + 100);
    OkButton.Top := Form.ClientHeight - ScaleY(26 + 12);
    OkButton.Caption := CustomMessage('UninstallButton');
    OkButton.ModalResult := mrOk;
    OkButton.Default := True;

    CancelButton := TNewButton.Create(Form);
    CancelButton.Parent := Form;
    CancelButton.Width := ScaleX(100);
    CancelButton.Height := ScaleY(26);
    CancelButton.Left := Form.ClientWidth - ScaleX(12 + 100);
    CancelButton.Top := Form.ClientHeight - ScaleY(26 + 12);
    CancelButton.Caption := CustomMessage('CancelButton');
    CancelButton.ModalResult := mrCancel;
    CancelButton.Cancel := True;

    Form.ActiveControl := OkButton;
    if Form.ShowModal() <> mrOk then
      Result := False
    else
      DeleteData := Box.Checked;
  finally
    Form.Free();
  end;
  if DeleteData then
    DeleteData := MsgBox(FmtMessage(CustomMessage('DeleteDataConfirm'), [DataDir()]),
      mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and DeleteData then
    DelTree(DataDir(), True, True, True);
end;
