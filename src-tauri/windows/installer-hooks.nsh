; Cordon's hooks into Tauri's NSIS installer (bundle > windows > nsis > installerHooks,
; set in tauri.windows.conf.json). The installer is per user (installMode currentUser):
; the install folder ($INSTDIR, by default %LOCALAPPDATA%\Cordon) holds the app and the
; `cordon` command line (cordon.exe, shipped as bundle > externalBin).
;
; Install: the folder is added to the user's PATH (HKCU\Environment, value Path) unless
; it is there already, so `cordon --version` works in any terminal opened afterwards.
; Uninstall: the folder is removed from it again (not on an update, which installs over
; the same folder). Both tell running programs that the environment changed, so a new
; terminal sees it without signing out.
;
; The PATH is only read and written whole: when it is too long for NSIS's strings
; (NSIS_MAX_STRLEN, 1024 characters in the standard build) a read could be cut short and
; writing it back would lose entries, so then it is left alone and the install log says
; to add the folder by hand. The value keeps its REG_EXPAND_SZ type (%USERPROFILE%… in
; it stay unexpanded).

!include WinMessages.nsh

!define CORDON_ENV_KEY "Environment"
; Room kept for $INSTDIR and a separator: a longer PATH is not edited.
!define /math CORDON_PATH_MAX ${NSIS_MAX_STRLEN} - 300

!macro CORDON_ENV_CHANGED
  SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
!macroend

!macro NSIS_HOOK_POSTINSTALL
  ReadRegStr $R0 HKCU "${CORDON_ENV_KEY}" "Path"
  StrLen $R1 $R0
  ${If} $R1 > ${CORDON_PATH_MAX}
    DetailPrint "Your PATH is too long to change here: add $INSTDIR to it to run cordon from a terminal."
  ${Else}
    ${If} $R0 == ""
      StrCpy $R1 "$INSTDIR"
    ${Else}
      ; Adds the folder unless it is there already (compared without case).
      ${WordAdd} "$R0" ";" "+$INSTDIR" $R1
    ${EndIf}
    WriteRegExpandStr HKCU "${CORDON_ENV_KEY}" "Path" "$R1"
    !insertmacro CORDON_ENV_CHANGED
    DetailPrint "Added $INSTDIR to your PATH: in a new terminal, run cordon --version."
  ${EndIf}
!macroend

!macro NSIS_HOOK_POSTUNINSTALL
  ${If} $UpdateMode <> 1
    ReadRegStr $R0 HKCU "${CORDON_ENV_KEY}" "Path"
    StrLen $R1 $R0
    ${If} $R1 > ${CORDON_PATH_MAX}
      DetailPrint "Your PATH is too long to change here: remove $INSTDIR from it by hand."
    ${ElseIf} $R0 != ""
      ; Removes the folder (compared without case); the rest stays as it was.
      ${WordAdd} "$R0" ";" "-$INSTDIR" $R1
      ${If} $R1 == ""
        DeleteRegValue HKCU "${CORDON_ENV_KEY}" "Path"
      ${Else}
        WriteRegExpandStr HKCU "${CORDON_ENV_KEY}" "Path" "$R1"
      ${EndIf}
      !insertmacro CORDON_ENV_CHANGED
    ${EndIf}
  ${EndIf}
!macroend
