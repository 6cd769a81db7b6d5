// i18n.js: the console's texts in English and French. The language is
// ?lang=, else the browser's first preference.

const texts = {
  en: {
    title: 'Tandem console', language: 'Language', loginTitle: 'Log in', id: 'Operator ID', password: 'Password',
    totp: 'Authenticator code', totpHelp: 'Only if your account uses an authenticator app.', logIn: 'Log in',
    loggingIn: 'Logging in…',
    noPassword: 'Your password never leaves this page: the server checks a proof computed from it.',
    loggedInAs: 'Logged in as', logOut: 'Log out', start: 'Start a session', starting: 'Opening a session…',
    readCode: 'Read this code to the customer, or send them the link:', codeLabel: 'Session code',
    copy: 'Copy link', copied: 'Link copied.', copyFailed: 'Could not copy: select the link and copy it.',
    end: 'End session', ended: 'The session has ended.', expires: 'The code works until {time}.',
    waiting: 'Waiting for the customer to join.', joined: 'The customer has joined.',
    missing: 'Type your operator ID and password.',
    loginFailed: 'Login failed: check the ID and password (and the authenticator code, if your account uses one). After 3 failures in a row the ID is blocked for a while; an administrator can unlock it.',
    throttled: 'Too many failed logins from this address: wait a few minutes and try again.',
    tooManyStarts: 'Too many login attempts from this address: wait a minute.',
    expired: 'Your password has expired: ask an administrator to set a new one.',
    crossOrigin: 'Open the console from the server\'s own address.',
    serverUnproven: 'The server could not prove it knows your password: you have been logged out. Tell your administrator.',
    network: 'The server cannot be reached: check your connection and try again.',
    error: 'Something went wrong: {msg}', sessionError: 'The session could not be opened: {msg}',
    connected: 'Connected: waiting for the customer to allow control.', live: 'Session in progress.',
    weakCipher: 'The session was ended: the connection was not encrypted with AES-256.',
    signalingLost: 'Signaling lost: reconnecting to the server… The session carries on meanwhile.',
    signalingRestored: 'Signaling restored: the session goes on.',
    signalingGone: 'Signaling lost for good: the server could not take the session back. The session carries on over its link, but cannot recover from a network change: if it stops, start a new one.',
    deskLost: 'Desk connection lost: reconnecting to the server…',
    deskRestored: 'Desk reconnected.',
    deskGone: 'Desk connection lost: the server could not be reached again. Reload the page (log in again if asked).',
    remoteTitle: 'Customer\'s screen', fit: 'Fit to window', keysLabel: 'Keyboard of the customer\'s computer: type here',
    keysHelp: 'Click the picture, then type: keys go to the customer\'s computer. Ctrl+Alt+Shift gives the keyboard back to this page.',
    keysLeft: 'The keyboard is back on this page: Tab moves between its controls. Click the picture to type on the customer\'s computer again.',
    chatTitle: 'Chat', chatLabel: 'Message to the customer', send: 'Send', customer: 'Customer:', you: 'You:',
    mode_none: 'Nothing shared yet.', mode_view: 'Viewing (no control).', mode_control: 'You have control.',
    mode_demonstrate: 'Demonstration.', modePaused: 'The customer paused the session.',
    modeSuspended: 'The customer took control back.', answer_refused: 'The customer refused.',
    answer_timeout: 'The customer did not answer.',
    'answer_not-granted': 'Your permissions do not allow it.', answer_unavailable: 'Not available on this computer.',
    status: '{path} ({protocol}) · {rtt} ms · {fps} fps · {mbps} Mbit/s ·', direct: 'Direct', relayed: 'Relayed',
    ciphers: 'DTLS {dtls}, SRTP {srtp}',
    monitor: 'Monitor', allMonitors: 'All monitors', viewOnly: 'View only', ctrlAltDel: 'Ctrl-Alt-Del', altTab: 'Alt-Tab',
    super: 'Super', prtSc: 'PrtSc', demo: 'Show my screen', remoteClip: 'The customer copied: {text}', copiedHere: '(in your clipboard)',
    copyRemote: 'Copy', sendFiles: 'Send files to the customer (or drop them on the picture)',
    transfer_hashing: '{name}: reading…', transfer_waiting: '{name}: waiting for the customer to accept',
    transfer_sending: '{name}: {pct} % sent', transfer_done: '{name}: received as “{detail}”',
    transfer_refused: '{name}: refused ({detail})', transfer_failed: '{name}: failed ({detail})',
    transfer_receiving: '{name}: {pct} % received', transfer_fetched: '{name}: received, SHA-256 checked.',
    transfer_offered: 'The customer sends {name} ({size}).', accept: 'Accept', decline: 'Decline', again: 'Try again',
    transfer_cut_send: '{name}: the link was lost. Try again to send the rest.',
    transfer_cut_fetch: '{name}: the link was lost. Try again (the customer is asked again) to fetch the rest.',
    transfer_cut_incoming: '{name}: the link was lost. Ask the customer to send it again: the rest will follow.',
    queueTitle: 'Customers waiting on the help page', queueEmpty: 'Nobody is waiting.', anonymous: 'A customer',
    messages: '{n} messages', pick: 'Answer', invite: 'Invite to a session', deskLabel: 'Reply to the customer',
    invited: 'Invited with code {code}.', closed: 'The conversation has ended.',
    save: 'Save {name}', fetchLabel: 'Fetch a file from the customer\'s computer (its path)', fetch: 'Fetch',
  },
  fr: {
    title: 'Console Tandem', language: 'Langue', loginTitle: 'Connexion', id: 'Identifiant d\'opérateur', password: 'Mot de passe',
    totp: 'Code d\'authentification', totpHelp: 'Seulement si votre compte utilise une application d\'authentification.',
    logIn: 'Se connecter', loggingIn: 'Connexion…',
    noPassword: 'Votre mot de passe ne quitte jamais cette page : le serveur vérifie une preuve calculée à partir de lui.',
    loggedInAs: 'Connecté en tant que', logOut: 'Se déconnecter', start: 'Démarrer une session', starting: 'Ouverture d\'une session…',
    readCode: 'Lisez ce code au client, ou envoyez-lui le lien :', codeLabel: 'Code de session',
    copy: 'Copier le lien', copied: 'Lien copié.', copyFailed: 'Copie impossible : sélectionnez le lien et copiez-le.',
    end: 'Terminer la session', ended: 'La session est terminée.', expires: 'Le code est valable jusqu\'à {time}.',
    waiting: 'En attente du client.', joined: 'Le client a rejoint la session.',
    missing: 'Saisissez votre identifiant et votre mot de passe.',
    loginFailed: 'Échec de la connexion : vérifiez l\'identifiant et le mot de passe (et le code d\'authentification, si votre compte en utilise un). Après 3 échecs de suite, l\'identifiant est bloqué un moment ; un administrateur peut le débloquer.',
    throttled: 'Trop d\'échecs de connexion depuis cette adresse : attendez quelques minutes et réessayez.',
    tooManyStarts: 'Trop de tentatives de connexion depuis cette adresse : attendez une minute.',
    expired: 'Votre mot de passe a expiré : demandez-en un nouveau à un administrateur.',
    crossOrigin: 'Ouvrez la console depuis l\'adresse du serveur lui-même.',
    serverUnproven: 'Le serveur n\'a pas pu prouver qu\'il connaît votre mot de passe : vous avez été déconnecté. Prévenez votre administrateur.',
    network: 'Le serveur est injoignable : vérifiez votre connexion et réessayez.',
    error: 'Une erreur est survenue : {msg}', sessionError: 'La session n\'a pas pu être ouverte : {msg}',
    connected: 'Connecté : en attente de l\'accord du client pour le contrôle.', live: 'Session en cours.',
    weakCipher: 'La session a été arrêtée : la connexion n\'était pas chiffrée en AES-256.',
    signalingLost: 'Signalisation perdue : reconnexion au serveur… La session continue en attendant.',
    signalingRestored: 'Signalisation rétablie : la session continue.',
    signalingGone: 'Signalisation perdue définitivement : le serveur n\'a pas pu reprendre la session. La session continue par sa liaison, mais ne peut pas survivre à un changement de réseau : si elle s\'arrête, démarrez-en une nouvelle.',
    deskLost: 'Connexion au guichet perdue : reconnexion au serveur…',
    deskRestored: 'Guichet reconnecté.',
    deskGone: 'Connexion au guichet perdue : le serveur est resté injoignable. Rechargez la page (reconnectez-vous si on vous le demande).',
    remoteTitle: 'Écran du client', fit: 'Ajuster à la fenêtre', keysLabel: 'Clavier de l\'ordinateur du client : tapez ici',
    keysHelp: 'Cliquez sur l\'image, puis tapez : les touches vont à l\'ordinateur du client. Ctrl+Alt+Maj rend le clavier à cette page.',
    keysLeft: 'Le clavier est revenu à cette page : Tab passe d\'une commande à l\'autre. Cliquez sur l\'image pour taper de nouveau sur l\'ordinateur du client.',
    chatTitle: 'Discussion', chatLabel: 'Message au client', send: 'Envoyer', customer: 'Client :', you: 'Vous :',
    mode_none: 'Rien n\'est partagé pour l\'instant.', mode_view: 'Affichage (sans contrôle).', mode_control: 'Vous avez le contrôle.',
    mode_demonstrate: 'Démonstration.', modePaused: 'Le client a mis la session en pause.',
    modeSuspended: 'Le client a repris le contrôle.', answer_refused: 'Le client a refusé.',
    answer_timeout: 'Le client n\'a pas répondu.', 'answer_not-granted': 'Vos autorisations ne le permettent pas.',
    answer_unavailable: 'Indisponible sur cet ordinateur.',
    status: '{path} ({protocol}) · {rtt} ms · {fps} i/s · {mbps} Mbit/s ·', direct: 'Direct', relayed: 'Relayé',
    ciphers: 'DTLS {dtls}, SRTP {srtp}',
    monitor: 'Écran', allMonitors: 'Tous les écrans', viewOnly: 'Affichage seul', ctrlAltDel: 'Ctrl-Alt-Suppr', altTab: 'Alt-Tab',
    super: 'Super', prtSc: 'Impr. écran', demo: 'Montrer mon écran', remoteClip: 'Le client a copié : {text}', copiedHere: '(dans votre presse-papiers)',
    copyRemote: 'Copier', sendFiles: 'Envoyer des fichiers au client (ou les déposer sur l\'image)',
    transfer_hashing: '{name} : lecture…', transfer_waiting: '{name} : en attente de l\'accord du client',
    transfer_sending: '{name} : {pct} % envoyés', transfer_done: '{name} : reçu sous le nom « {detail} »',
    transfer_refused: '{name} : refusé ({detail})', transfer_failed: '{name} : échec ({detail})',
    transfer_receiving: '{name} : {pct} % reçus', transfer_fetched: '{name} : reçu, SHA-256 vérifié.',
    transfer_offered: 'Le client envoie {name} ({size}).', accept: 'Accepter', decline: 'Refuser', again: 'Réessayer',
    transfer_cut_send: '{name} : la liaison a été perdue. Réessayez pour envoyer le reste.',
    transfer_cut_fetch: '{name} : la liaison a été perdue. Réessayez (le client est de nouveau consulté) pour récupérer le reste.',
    transfer_cut_incoming: '{name} : la liaison a été perdue. Demandez au client de l\'envoyer de nouveau : le reste suivra.',
    queueTitle: 'Clients en attente sur la page d\'aide', queueEmpty: 'Personne n\'attend.', anonymous: 'Un client',
    messages: '{n} messages', pick: 'Répondre', invite: 'Inviter à une session', deskLabel: 'Répondre au client',
    invited: 'Invité avec le code {code}.', closed: 'La conversation est terminée.',
    save: 'Enregistrer {name}', fetchLabel: 'Récupérer un fichier de l\'ordinateur du client (son chemin)', fetch: 'Récupérer',
  },
};

function pick() {
  const asked = new URLSearchParams(location.search).get('lang');
  if (asked && texts[asked]) return asked;
  for (const l of navigator.languages || [navigator.language]) {
    const base = String(l).toLowerCase().split('-')[0];
    if (texts[base]) return base;
  }
  return 'en';
}

export const lang = pick();

// t returns the text for key, with {name} replaced from vars.
export function t(key, vars = {}) {
  const s = texts[lang][key] ?? texts.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

// translate fills every [data-i18n] element and [data-i18n-aria] label.
export function translate(root = document) {
  document.documentElement.lang = lang;
  document.title = t('title');
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
}
