package main

// More bodies, in other voices than fragments.go: terse, chatty, formal,
// slangy, older and younger writers, several trades (airline, telecom,
// bank, food delivery, retail, streaming, hotels). Appended to the lists
// there by init, so that the held-out quarter draws from every voice.

var moreBodies = map[string][]string{
	"complaint": {
		"Dear Acme, I am writing to express my disappointment with the service I received at {place}",
		"yall really let {service} go down during {event} lmaooo unreal",
		"imagine paying {price} a month for internet that dies every evening",
		"Not impressed. Three visits, three different answers, still no fix",
		"bruh the {service} is trash rn",
		"the hold music is the only thing working at your call centre",
		"WHY IS THE {service} DOWN AGAIN",
		"gate agent at {place} shouted at an elderly passenger, disgraceful",
		"ordered {n} items, {n} came broken. packaging was a joke",
		"third day without signal in {place}, my work phone is useless",
		"is it too much to ask for a {food} that isn't cold?",
		"cancelled my {flight} and the app still wants me to check in 🤡",
		"so the self checkout shouted unexpected item at me 40 times. great",
		"absolutely gutted, the {item} I was gifted stopped charging",
		"still can't stream anything, buffering wheel of doom",
		"wifi on the train never works, why advertise it",
		"queue for {person} at {place} is 2 hours long. madness",
		"the lift at {place} has been out of order for weeks",
		"you changed the app and now nothing is where it was, annoying",
		"no hot water in room 214 and reception doesn't care",
		"I'm so done with this company honestly",
		"sat on the tarmac for {wait} with no water. {feeling}",
		"can't even get an answer from the chat, it loops back to the start",
		"signal drops every time I walk into my kitchen lol what am I paying for",
		"customer for 10 years and this is how you treat me",
		"the staff at {place} ignored me for twenty minutes",
		"the new recipe tastes awful, what did you do to it",
		"ads every 5 minutes on a paid plan?? come on",
		"service at {place} has gone right downhill",
		"I don't understand how you can be this bad at delivering on time",
		"{wow} just wonderful, my {flight} is delayed for the {n}th time this month",
		"oh sure, I LOVE paying extra for a seat that doesn't recline",
		"not working. not answering. not good enough",
		"there is no way to talk to a human at your company",
		"the app is not usable on older phones anymore",
		"my {food} showed up {wait} late and half eaten looking 🤢",
		"power cut at the store and they sent everyone away, no help",
		"another price rise? for this level of service?",
		"your chatbot told me to turn it off and on again for the fifth time",
		"the mobile app won't load past the splash screen",
	},
	"account_issue": {
		"Hello, I was double charged on {day} for the same purchase, could you please look into it",
		"pls refund me the {price} u took twice",
		"my account says suspended and I have no idea why",
		"the {item} I returned was received {day} but no refund yet",
		"I need to update the card on my account but the page errors",
		"you billed me for a plan I downgraded from",
		"booked {flight} for the wrong date, can I change it without the fee?",
		"my delivery went to the wrong address, {order}",
		"please reset my account, the password link never arrives",
		"got an email saying my payment failed but my bank says it went through",
		"the refund went to a card I cancelled, what now",
		"my loyalty card isn't adding points since {day}",
		"rebooked onto a later flight and now my seat selection is gone, paid for it",
		"I am still being charged after cancelling my membership",
		"someone used my account to place an order I didn't make",
		"paid {price} for express shipping and it took a week, want that back",
		"my voucher code says expired but it's valid until next month",
		"my parcel was handed to a neighbour I don't know, where is it",
		"my bank shows a pending charge of {price} from you I don't recognise",
		"the hotel has no record of my reservation {ref}",
		"can you tell me why my account was closed",
		"my top up didn't go through but the money's gone",
		"you sent me the wrong size and the exchange page won't load",
		"I got a final demand for a bill I already paid",
		"waiting {wait} for a callback about my billing issue",
		"my prepaid balance vanished overnight",
		"trying to claim compensation for {flight}, the form won't submit",
		"my order shows shipped {day} but no tracking at all",
		"Please can someone call me about my account, it's urgent",
		"you charged me a late fee when I paid on time",
	},
	"question": {
		"quick one - do you still sell the {item} in black?",
		"hey is there a number I can ring rather than the chat?",
		"Good afternoon, may I ask whether your stores accept returns without a receipt?",
		"yo does the {service} work on smart tvs",
		"is the outage in {place} being fixed, any eta?",
		"how much is the upgrade to premium?",
		"can I get my {food} without onions via the app?",
		"what gate does {flight} usually leave from?",
		"does the sale include the {item}?",
		"how do I turn off auto renew?",
		"where can I find my invoice in the app?",
		"what's the best way to reach someone about a complaint?",
		"is there a minimum order for free delivery?",
		"do you have a store near {place}?",
		"when does the summer timetable start?",
		"are your gift cards usable online?",
		"do I need to print my boarding pass?",
		"does the hotel do late checkout?",
		"is this phone unlocked or tied to you?",
		"is there a size guide for the {item}?",
		"how do I contact someone about a lost property item?",
		"does anyone know if the {place} branch has disabled parking?",
		"who do I talk to about becoming a supplier?",
		"what's the difference between plus and premium plans?",
	},
	"praise": {
		"Just wanted to say a huge thank you to the team at {place}",
		"the {perk} who helped me today was a legend fr",
		"ngl the new {service} is actually good",
		"delivery guy ran to my door in the rain, bless him",
		"Excellent service as always, thank you",
		"been a customer 12 years and you still get it right",
		"my {food} arrived hot and early, who are you and what have you done with my usual place",
		"top marks to your {perk}, so kind to my kids",
		"the {service} is so smooth now, whoever did that, thank you",
		"flight was on time, crew were funny, snacks were good. what more could you want",
		"thanks for sorting my problem so quickly, really appreciate it",
		"you lot are brilliant",
		"so happy with how quickly you fixed my {service}",
		"the {perk} at {place} went above and beyond",
		"love love love the new {item}",
		"wasn't expecting much but the {food} was honestly great",
		"finally a company that answers, thank you",
		"the room upgrade was such a lovely surprise",
		"signal has been perfect since the new mast went up, cheers",
		"wow your team is quick, sorted in minutes",
	},
	"feedback": {
		"would be handy if the app remembered my last order",
		"pls add a way to tip the driver in the app",
		"can you make the {service} show prices with tax?",
		"the new logo is not for me tbh",
		"I think the old layout was easier to use, just my opinion",
		"more charging points in the lounge would be nice",
		"you should do smaller portion sizes for kids",
		"an option to turn off autoplay would be great",
		"think about adding a quiet carriage",
		"the {item} would be perfect with a longer battery",
		"it would be nice if the receipts were emailed",
		"how about a loyalty scheme for regulars",
	},
	"other": {
		"does anyone else's cat sit on the laptop when they're working",
		"tuesday feels like a monday",
		"this is my first tweet",
		"I love how everyone in these replies is so angry lol",
		"ok who's watching {event}",
		"happy new year everyone 🎉",
		"can't sleep",
		"the person who runs this account deserves a raise for putting up with these replies",
		"no thoughts just vibes",
		"hello from {place}",
		"brb getting snacks",
		"RIP to my weekend plans",
		"drop your favourite emoji below 👇",
		"me at 3am reading brand replies",
		"{friend} owes me a coffee",
	},
	"legal_threat": {
		"if this is not resolved I'm going to my solicitor",
		"I'll be reporting this to the consumer protection agency",
		"this breaches the consumer rights act and you know it",
		"expect to hear from my lawyers",
		"I will take you to small claims for the {price}",
		"I have reported your company to the better business bureau",
	},
	"safety": {
		"the {item} started smoking while charging, could have burned the house down",
		"my toddler nearly choked on a part that came off the {item}",
		"the charger got so hot it melted the plug",
		"there was a burning smell from the {item} and then flames",
		"the brakes on the e-scooter failed, I was injured",
		"raw chicken in my {food}, my whole family got sick",
	},
	"press_inquiry": {
		"Hi, I'm a journalist with a national paper, is there someone who can give a statement on the outage?",
		"reporter here, can Acme comment on reports of job cuts?",
		"we're running a story tonight on the delays at {place}, would you like to comment?",
		"I'm a producer on a TV show, can someone from your press team get in touch?",
		"freelance journalist here, writing a piece on refund times, could your media team comment?",
		"editor at a tech site, requesting comment on the data breach rumours",
	},
	"spam": {
		"make {price} weekly trading crypto, ask me how 📈",
		"get rich quick with forex, dm me now {link}",
		"FREE FOLLOWERS!!! {link}",
		"follow for follow? 🔁🔁",
		"your account has been selected for a bitcoin airdrop {link}",
		"I recovered my hacked account thanks to this recovery expert, contact them",
		"passive income with zero effort, link in bio",
		"binary options changed my life, message me {link}",
	},
}

var moreForeign = map[string]map[string][]string{
	"feedback": {
		"es": {"estaría bien poder elegir la hora de entrega"}, "fr": {"ce serait bien d'avoir un mode sombre dans l'appli"}, "de": {"es wäre schön, wenn man Lieferzeiten wählen könnte"},
		"pt": {"seria ótimo poder escolher o horário de entrega"}, "it": {"sarebbe bello poter scegliere l'orario di consegna"}, "nl": {"het zou fijn zijn als je een levertijd kon kiezen"},
	},
	"other": {
		"es": {"jajaja qué partido anoche"}, "fr": {"bon week-end à tous"}, "de": {"schönes Wochenende euch allen"},
		"pt": {"kkkkk que jogo ontem"}, "it": {"buon fine settimana a tutti"}, "nl": {"fijn weekend allemaal"},
	},
	"safety": {
		"es": {"el cargador echó humo y olía a quemado"}, "fr": {"le chargeur a pris feu dans la cuisine"}, "de": {"das Ladegerät hat gequalmt und ist geschmolzen"},
		"pt": {"o carregador pegou fogo e derreteu"}, "it": {"il caricatore ha preso fuoco"}, "nl": {"de oplader begon te roken en is gesmolten"},
	},
	"legal_threat": {
		"es": {"si no me devolvéis el dinero iré al abogado"}, "fr": {"je vais saisir mon avocat"}, "de": {"ich schalte jetzt meinen Anwalt ein"},
		"pt": {"vou entrar na justiça contra vocês"}, "it": {"mi rivolgerò a un avvocato"}, "nl": {"ik stap naar de rechter als dit niet opgelost wordt"},
	},
	"press_inquiry": {
		"es": {"soy periodista, ¿podéis hacer una declaración sobre el cierre?"}, "fr": {"journaliste ici, pourriez-vous commenter la grève ?"}, "de": {"Journalistin hier, gibt es eine Stellungnahme zum Ausfall?"},
		"pt": {"sou jornalista, podem comentar o atraso?"}, "it": {"sono giornalista, potete rilasciare una dichiarazione?"}, "nl": {"journalist hier, willen jullie reageren op de storing?"},
	},
	"spam": {
		"es": {"gana dinero desde casa con bitcoin {link}"}, "fr": {"gagnez de l'argent facilement avec la crypto {link}"}, "de": {"mit Bitcoin schnell reich werden, Infos per DM {link}"},
		"pt": {"ganhe dinheiro rápido com cripto {link}"}, "it": {"guadagni facili con il trading {link}"}, "nl": {"geld verdienen met crypto, stuur me een bericht {link}"},
	},
}

// init appends these voices and then the hard cases (hard.go): in this order,
// so a body added later never moves an earlier one to another split.
func init() {
	addBodies(moreBodies, moreForeign)
	for name, vals := range hardSlots {
		slots[name] = vals
	}
	addBodies(hardBodies, hardForeign)
	addBodies(plainBodies, plainForeign)
}

// addBodies appends English bodies and bodies in other languages to the
// lists of fragments.go.
func addBodies(more map[string][]string, moreForeign map[string]map[string][]string) {
	for intent, list := range more {
		bodies[intent] = append(bodies[intent], list...)
	}
	for intent, byLang := range moreForeign {
		if foreignBodies[intent] == nil {
			foreignBodies[intent] = map[string][]string{}
		}
		for lang, list := range byLang {
			foreignBodies[intent][lang] = append(foreignBodies[intent][lang], list...)
		}
	}
}
