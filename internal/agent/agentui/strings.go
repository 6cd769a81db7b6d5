package agentui

import (
	"fmt"
	"os"
	"strings"
)

// msg names one text of the window.
type msg int

const (
	mTitleSession msg = iota
	mTitleMode
	mTitleFileIn
	mTitleFileOut
	mSomeone      // operator without a name
	mAsksView     // %s = who
	mAsksControl  // %s = who
	mAsksDemo     // %s = who
	mAlsoAsks     // %s = list of functions
	mSendsFile    // %s = who, %s = file, %s = size
	mAsksDownload // %s = who, %s = file, %s = size
	mAutoDeny     // %d = seconds
	mMoreWaiting  // %d = questions queued behind this one
	mAllow
	mDeny
	mIdle
	mViewing       // %s = who
	mControlling   // %s = who
	mDemonstrating // %s = who
	mPaused
	mInputSuspended
	mStop
	mPause
	mResume
	mTakeBack
	mGiveBack
	mChat
	mFiles
	mApps
	mSend
	mShare
	mWholeScreen
	mYou
	mNoTransfers
	mMoreTransfers // %d = transfers not shown
	mCancel
	mNoWindows
	mFuncControl // the grant functions, as phrases after mAlsoAsks (functions.go)
	mFuncObserve
	mFuncDemonstrate
	mFuncFiles
	mFuncChat
	mFuncClipboard
	mSizeUnknown
	mBytes // %s = number
	mKB
	mMB
	mGB
	mFromFolder // %s = full path of the folder
	mHiddenFile
	mOutsideHome
	mInBrowser // the operator uses the web console
	mSendFile  // the Files pane's button that opens the chooser
	mChooserHint
	mHome
	mDesktop
	mDocuments
	mDownloads
	mClose
	mChooserEmpty
	mChooserMore // %d = entries not listed
	mNoSuchPath
	mNotPlain
	mSentOK       // %s = file
	mSentDeclined // %s = file
	mSentCanceled // %s = file
	mSentFailed   // %s = file, %s = why
	mSentWaiting  // %s = file
	numMsgs
)

// texts is every text of the window in one language.
type texts [numMsgs]string

// table holds all the window's texts. A test checks that no entry is empty.
var table = map[string]*texts{
	"en": {
		mTitleSession:    "Remote support request",
		mTitleMode:       "Change of mode",
		mTitleFileIn:     "Incoming file",
		mTitleFileOut:    "Download request",
		mSomeone:         "A technician",
		mAsksView:        "%s asks to see your screen.",
		mAsksControl:     "%s asks to control your screen (keyboard and mouse).",
		mAsksDemo:        "%s asks to show you their screen.",
		mAlsoAsks:        "Also asks to: %s.",
		mSendsFile:       "%s wants to send you “%s” (%s).",
		mAsksDownload:    "%s asks to download “%s” (%s) from your computer.",
		mAutoDeny:        "Refused automatically in %d s.",
		mMoreWaiting:     "%d more question(s) waiting.",
		mAllow:           "Allow",
		mDeny:            "Deny",
		mIdle:            "Tandem support: nothing is shared.",
		mViewing:         "%s is viewing your screen.",
		mControlling:     "%s is controlling your screen.",
		mDemonstrating:   "%s is showing you their screen.",
		mPaused:          "Sharing is paused.",
		mInputSuspended:  "You have taken back control: %s can only watch.",
		mStop:            "Stop",
		mPause:           "Pause",
		mResume:          "Resume",
		mTakeBack:        "Take back control",
		mGiveBack:        "Give back control",
		mChat:            "Chat",
		mFiles:           "Files",
		mApps:            "Apps",
		mSend:            "Send",
		mShare:           "Share",
		mWholeScreen:     "Whole screen",
		mYou:             "You",
		mNoTransfers:     "No file transfers.",
		mMoreTransfers:   "and %d more.",
		mCancel:          "Cancel",
		mNoWindows:       "No application windows found.",
		mFuncControl:     "control your screen (keyboard and mouse)",
		mFuncObserve:     "see your screen",
		mFuncDemonstrate: "show you their screen",
		mFuncFiles:       "send and receive files",
		mFuncChat:        "chat",
		mFuncClipboard:   "share the clipboard",
		mSizeUnknown:     "size unknown",
		mBytes:           "%s bytes",
		mKB:              "%s KB",
		mMB:              "%s MB",
		mGB:              "%s GB",
		mFromFolder:      "From the folder %s",
		mHiddenFile:      "It is hidden: programs keep settings, passwords and keys in hidden files.",
		mOutsideHome:     "It is outside your personal folder.",
		mInBrowser:       "They are using the web console, in a browser.",
		mSendFile:        "Send a file…",
		mChooserHint:     "Folder or file: Enter opens a folder or sends a file",
		mHome:            "Home",
		mDesktop:         "Desktop",
		mDocuments:       "Documents",
		mDownloads:       "Downloads",
		mClose:           "Close",
		mChooserEmpty:    "Nothing to list here.",
		mChooserMore:     "and %d more: type the start of a name.",
		mNoSuchPath:      "No such file or folder.",
		mNotPlain:        "Only a plain file can be sent.",
		mSentOK:          "“%s” sent.",
		mSentDeclined:    "The technician declined “%s”.",
		mSentCanceled:    "“%s” was canceled.",
		mSentFailed:      "“%s” not sent: %s",
		mSentWaiting:     "“%s”: waiting for the technician to accept it…",
	},
	"fr": {
		mTitleSession:    "Demande d’assistance à distance",
		mTitleMode:       "Changement de mode",
		mTitleFileIn:     "Fichier entrant",
		mTitleFileOut:    "Demande de téléchargement",
		mSomeone:         "Un technicien",
		mAsksView:        "%s demande à voir votre écran.",
		mAsksControl:     "%s demande à contrôler votre écran (clavier et souris).",
		mAsksDemo:        "%s demande à vous montrer son écran.",
		mAlsoAsks:        "Demande aussi à : %s.",
		mSendsFile:       "%s veut vous envoyer « %s » (%s).",
		mAsksDownload:    "%s demande à télécharger « %s » (%s) depuis votre ordinateur.",
		mAutoDeny:        "Refus automatique dans %d s.",
		mMoreWaiting:     "%d autre(s) question(s) en attente.",
		mAllow:           "Autoriser",
		mDeny:            "Refuser",
		mIdle:            "Assistance Tandem : rien n’est partagé.",
		mViewing:         "%s voit votre écran.",
		mControlling:     "%s contrôle votre écran.",
		mDemonstrating:   "%s vous montre son écran.",
		mPaused:          "Le partage est en pause.",
		mInputSuspended:  "Vous avez repris la main : %s peut seulement regarder.",
		mStop:            "Arrêter",
		mPause:           "Pause",
		mResume:          "Reprendre",
		mTakeBack:        "Reprendre la main",
		mGiveBack:        "Rendre la main",
		mChat:            "Discussion",
		mFiles:           "Fichiers",
		mApps:            "Applications",
		mSend:            "Envoyer",
		mShare:           "Partager",
		mWholeScreen:     "Écran entier",
		mYou:             "Vous",
		mNoTransfers:     "Aucun transfert de fichier.",
		mMoreTransfers:   "et %d autre(s).",
		mCancel:          "Annuler",
		mNoWindows:       "Aucune fenêtre d’application trouvée.",
		mFuncControl:     "contrôler votre écran (clavier et souris)",
		mFuncObserve:     "voir votre écran",
		mFuncDemonstrate: "vous montrer son écran",
		mFuncFiles:       "envoyer et recevoir des fichiers",
		mFuncChat:        "discuter avec vous",
		mFuncClipboard:   "partager le presse-papiers",
		mSizeUnknown:     "taille inconnue",
		mBytes:           "%s octets",
		mKB:              "%s Ko",
		mMB:              "%s Mo",
		mGB:              "%s Go",
		mFromFolder:      "Depuis le dossier %s",
		mHiddenFile:      "Il est caché : les programmes gardent réglages, mots de passe et clés dans des fichiers cachés.",
		mOutsideHome:     "Il est hors de votre dossier personnel.",
		mInBrowser:       "Cette personne utilise la console web, dans un navigateur.",
		mSendFile:        "Envoyer un fichier…",
		mChooserHint:     "Dossier ou fichier : Entrée ouvre un dossier ou envoie un fichier",
		mHome:            "Dossier personnel",
		mDesktop:         "Bureau",
		mDocuments:       "Documents",
		mDownloads:       "Téléchargements",
		mClose:           "Fermer",
		mChooserEmpty:    "Rien à afficher ici.",
		mChooserMore:     "et %d autre(s) : tapez le début d’un nom.",
		mNoSuchPath:      "Ce fichier ou dossier n’existe pas.",
		mNotPlain:        "Seul un fichier ordinaire peut être envoyé.",
		mSentOK:          "« %s » envoyé.",
		mSentDeclined:    "Le technicien a refusé « %s ».",
		mSentCanceled:    "« %s » a été annulé.",
		mSentFailed:      "« %s » non envoyé : %s",
		mSentWaiting:     "« %s » : en attente de l’accord du technicien…",
	},
}

// language picks the table for lang, or from the environment when lang is
// empty: the first of LC_ALL, LC_MESSAGES and LANG that is set decides, as
// for any POSIX program.
func language(lang string) (string, *texts) {
	if lang == "" {
		for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
			if lang = os.Getenv(v); lang != "" {
				break
			}
		}
	}
	if strings.HasPrefix(strings.ToLower(lang), "fr") {
		return "fr", table["fr"]
	}
	return "en", table["en"]
}

func (t *texts) f(m msg, args ...any) string { return fmt.Sprintf(t[m], args...) }

// who names the operator: "Ana Lopez (Acme IT)".
func (t *texts) who(operator, org string) string {
	if operator == "" {
		operator = t[mSomeone]
	}
	if org == "" {
		return operator
	}
	return operator + " (" + org + ")"
}

// size formats a byte count the way the language writes it: "1.5 MB",
// "1,5 Mo".
func (t *texts) size(n int64) string {
	if n < 0 {
		return t[mSizeUnknown]
	}
	units := []msg{mKB, mMB, mGB}
	if n < 1000 {
		return t.f(mBytes, fmt.Sprint(n))
	}
	v, u := float64(n)/1000, 0
	for v >= 1000 && u < len(units)-1 {
		v, u = v/1000, u+1
	}
	num := fmt.Sprintf("%.1f", v)
	if t == table["fr"] {
		num = strings.Replace(num, ".", ",", 1)
	}
	return t.f(units[u], num)
}
