package triage_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-care/switchboard/triage"
)

// TestFailSafe holds the fail-safe rules: mistakes are not equal, and a
// routine post must not be closed as spam or sent to Legal, PR or the
// centre of excellence on weak evidence. Each post is worded as real
// customers word them (none of these texts is in the training data).
func TestFailSafe(t *testing.T) {
	e, pol := demoEngine(t)
	cases := []struct {
		name, property, text string
		notIntents           []string // intents it must not be given
		intent               string   // the intent it must be given, if any
		department           string   // where it must go, if checked
	}{
		{"a link alone is not spam", "x:@acme_help", "https://t.co/Tg5sQ0pLmv", []string{"spam"}, "", "support"},
		{"a screenshot link is not spam", "x:@acme_help", "@acme_help this is what the app shows me after the update https://t.co/Xq81LmZp2e", []string{"spam"}, "", "support"},
		{"a link with 'click here' is not spam", "x:@acme_help", "click here to see the error I get https://t.co/a1b2c3d4e5", []string{"spam"}, "", "support"},
		{"follow back to DM is a customer", "x:@acme_help", "@acme_help can you follow me back so I can DM you my details?", []string{"spam"}, "", "support"},
		{"stealing from me about my own bill is not a legal threat", "x:@acme_help", "@acme_help you are stealing $800 from me, my bill doubled and nobody can explain why", []string{"legal_threat"}, "", "support"},
		{"robbing me with fees is not a legal threat", "x:@acme_help", "this company is a scam, robbing me every month with hidden fees", []string{"legal_threat", "spam"}, "", "support"},
		{"who can I contact is not press", "x:@acme_help", "who can I contact about my booking?", []string{"press_inquiry"}, "", "support"},
		{"who do I speak to is not press, on the press account either", "x:@acme_news", "who do I speak to about a problem with my reservation?", []string{"press_inquiry"}, "", ""},
		{"a draining battery is not safety", "x:@acme_help", "my battery drains in half a day", []string{"safety"}, "", "support"},
		{"a warm phone is not safety", "x:@acme_help", "phone gets really hot when I play games and the battery is dying fast", []string{"safety"}, "", "support"},
		{"slang fire is not safety", "instagram:acme", "the new menu is fire 🔥", []string{"safety"}, "", ""},
		{"sarcasm is a complaint", "x:@acme_help", "wow, an outage right when the game is on!!!!", nil, "complaint", "support"},
		{"sarcasm is a complaint: love that for me", "x:@acme_help", "great, the app is down again. love that for me", nil, "complaint", "support"},
		{"negation is a complaint", "x:@acme_help", "not happy at all, the service is not good", nil, "complaint", "support"},
		{"a reference code's letters are not a regulator", "x:@acme_help", "my refund voucher ACM-COMP-4410 shows as used and I never used it", []string{"legal_threat"}, "", "support"},
		{"a journalist asking about a regulator is the press", "x:@acme_news", "Reporter at a regional daily here: could Acme comment on the Ofcom complaint figures out today?", nil, "press_inquiry", "pr"},
		{"a complaint to the regulator is a legal threat", "x:@acme_help", "three months without broadband, I have filed a complaint with Ofcom today", nil, "legal_threat", "legal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mkPost(c.property, c.text)
			res := e.Triage(p)
			dec := pol.Decide(res.Signals(p))
			why := strings.Join(slices.Concat(res.Reasons, dec.Reasons), "; ")
			if slices.Contains(c.notIntents, res.Intent) || (c.intent != "" && res.Intent != c.intent) {
				t.Errorf("intent %s (want %q, not %v)\n%s", res.Intent, c.intent, c.notIntents, why)
			}
			if c.department != "" && dec.Department != c.department {
				t.Errorf("department %s, want %s\n%s", dec.Department, c.department, why)
			}
			if res.Spam || dec.Closed() {
				t.Errorf("closed as spam\n%s", why)
			}
		})
	}
}

// TestSuspicionNeedsReview: when the model alone leans to a high-stakes
// intent, the post is not routed so; the suspicion is in the reasons and
// the post needs review.
func TestSuspicionNeedsReview(t *testing.T) {
	e, pol := demoEngine(t)
	p := mkPost("x:@acme_help", "https://t.co/Tg5sQ0pLmv")
	res := e.Triage(p)
	if !res.NeedsReview || !slices.ContainsFunc(res.Reasons, func(r string) bool { return strings.HasPrefix(r, "suspected spam: model: spam") }) {
		t.Fatalf("needs review %t, reasons %q", res.NeedsReview, res.Reasons)
	}
	if dec := pol.Decide(res.Signals(p)); dec.Department != "support" {
		t.Fatalf("department %s, want the responder", dec.Department)
	}
	if res.ModelVersion == "" || res.ModelVersion != e.Model().Version {
		t.Fatalf("model version %q, engine's %q", res.ModelVersion, e.Model().Version)
	}
}

// TestNeedsReviewGoesToTheResponder: an unsure post goes to the property's
// responder, at its intent's priority, not to the intent's department.
func TestNeedsReviewGoesToTheResponder(t *testing.T) {
	_, pol := demoEngine(t)
	for _, c := range []struct {
		intent, property, sure, unsure string
	}{
		{"praise", "instagram:acme", "marketing", "support"},
		{"feedback", "x:@acme_help", "marketing", "support"},
		{"question", "x:@acme_news", "pr", "pr"},
	} {
		sure := pol.Decide(triage.Result{Intent: c.intent}.Signals(mkPost(c.property, "x")))
		unsure := pol.Decide(triage.Result{Intent: c.intent, NeedsReview: true}.Signals(mkPost(c.property, "x")))
		if sure.Department != c.sure || unsure.Department != c.unsure || unsure.Priority != sure.Priority {
			t.Errorf("%s on %s: %s %s sure, %s %s unsure; want %s, %s at the same priority", c.intent, c.property, sure.Department, sure.Priority, unsure.Department, unsure.Priority, c.sure, c.unsure)
		}
	}
}

// TestNegativePraiseNeedsReview: praise in a negative tone is far more often
// a misread complaint than praise.
func TestNegativePraiseNeedsReview(t *testing.T) {
	e, _ := demoEngine(t)
	res := e.Triage(mkPost("instagram:acme", "love love love how you lost my bag, awful, furious, disgusting"))
	if res.Intent == "praise" && !res.NeedsReview {
		t.Fatalf("negative praise (%.2f) not reviewed: %q", res.Sentiment, res.Reasons)
	}
}

// TestHighStakesNeedStrongEvidence: the high-stakes words in everyday use —
// slang, figures of speech, a product that merely misbehaves, a friend who
// is a lawyer, a customer asking whom to contact — go to the responder;
// the same intents stated plainly (a person's hazard, the customer's own
// legal step, a journalist asking for comment) go to their department, in
// the seven languages. None of these texts is in the training data.
func TestHighStakesNeedStrongEvidence(t *testing.T) {
	e, pol := demoEngine(t)
	decoys := []struct{ not, text string }{
		{"safety", "fire deals all weekend, grabbed a tv for half price"},
		{"safety", "my ice cream arrived completely melted, the driver took an hour"},
		{"safety", "my phone blew up with notifications from your app all night"},
		{"safety", "the launch went down in flames lol, the app crashed for everyone"},
		{"safety", "the app is killing me, it logs me out every five minutes"},
		{"safety", "battery drains from full to zero by lunchtime"},
		{"safety", "this queue is a fire hazard for my sanity lol"},
		{"safety", "I was in hospital last week so I missed the delivery, can you rebook it?"},
		{"safety", "my weekend plans went up in smoke because the engineer never came"},
		{"safety", "the new speaker is sick, bass is insane"},
		{"safety", "the charger gets a bit warm but works fine"},
		{"safety", "smoke alarm you sold me keeps chirping at night, the battery is new"},
		{"safety", "the price of this kettle is criminal, it's killing my wallet"},
		{"safety", "the explosive growth of ads in your app is unbearable"},
		{"safety", "your prices are dangerously good this week"},
		{"legal_threat", "you are stealing from me, my bill doubled and nobody can explain why"},
		{"legal_threat", "criminal prices for a sandwich"},
		{"legal_threat", "my lawyer friend says I'm entitled to a refund, so where is it?"},
		{"legal_threat", "sue me but I love this air fryer"},
		{"legal_threat", "I'd sue if I had the energy lol"},
		{"legal_threat", "I'm not a lawyer but surely this is not allowed?"},
		{"legal_threat", "my mum gave me power of attorney, can I manage her account?"},
		{"press_inquiry", "who can I contact about my booking?"},
		{"press_inquiry", "who do I talk to about a problem with my order delivery?"},
		{"press_inquiry", "I'm a video editor and your laptop keeps crashing when I export"},
		{"press_inquiry", "the editor in your app deletes my text, please fix"},
		{"press_inquiry", "my podcast app won't connect to the speaker"},
		{"safety", "you're on fire today with these deals"},
		{"legal_threat", "vocês vão processar o meu reembolso quando? já faz duas semanas"},
		{"legal_threat", "l'avocat de ma salade était complètement pourri, remboursez-moi"},
		{"safety", "la messa a fuoco della fotocamera non funziona più"},
		{"safety", "on attend toujours le feu vert du service client pour l'échange"},
		{"safety", "fogo, que demora para responder uma mensagem"},
		{"safety", "venden humo con esa garantía, nadie contesta"},
		{"safety", "explotan a sus repartidores y encima llega todo tarde"},
		{"safety", "ich bin Feuer und Flamme für den neuen Lautsprecher"},
		{"safety", "your support agent had me in stitches, thank you for the laugh"},
		{"safety", "the new app colours hurt my eyes, please bring back the old theme"},
		{"safety", "and to add insult to injury the refund took a month"},
		{"legal_threat", "the pressure regulator on my pressure cooker hisses constantly"},
		{"spam", "got a text saying my parcel needs a redelivery fee paid at https://t.co/Zz81kQp2Lm is this you?"},
		{"spam", "someone claiming to be your support team messaged me on whatsapp asking for my login, is that real"},
		{"spam", "I earn £300 a week and you just charged me £90 for a broken router"},
		{"spam", "I have 20k followers and I'll tell every one of them how you treated me"},
		{"spam", "entered your giveaway weeks ago, followed and shared like it said, never heard a thing"},
		{"spam", "is this giveaway real? it says retweet and click to claim a free tablet https://t.co/Lm3nOp4qRs"},
		{"spam", "thanks for the giveaway prize, the speaker arrived today! https://t.co/Hk2jLm9NoP"},
		{"spam", "no experience needed they said at the store, and the guy who set up my router clearly had none"},
		{"spam", "I have 12,000 followers in 3 days of posting about your outage, sort it out"},
		{"spam", "got a text saying confirm your bank details to get a refund, is this you?"},
		{"spam", "the new acme.com checkout keeps failing at the payment step"},
		{"legal_threat", "I could sue you for how much I spend in your shop lol, the new blender is great"},
		{"safety", "the kids were choking with laughter at the talking fridge"},
	}
	for _, c := range decoys {
		t.Run("not "+c.not+": "+c.text, func(t *testing.T) {
			p := mkPost("x:@acme_help", c.text)
			res := e.Triage(p)
			if dec := pol.Decide(res.Signals(p)); res.Intent == c.not || slices.Contains([]string{"coe", "legal", "pr", "none"}, dec.Department) {
				t.Errorf("intent %s, department %s; want not %s, nor a high-stakes department\n%s", res.Intent, dec.Department, c.not, strings.Join(res.Reasons, "; "))
			}
		})
	}
	strong := []struct{ intent, department, text string }{
		{"safety", "coe", "my phone caught fire on the bedside table last night"},
		{"safety", "coe", "the heater started smoking and the room filled with smoke"},
		{"safety", "coe", "sparks came out of the socket when I plugged the kettle in"},
		{"safety", "coe", "my son burned his hand on the side of the oven, it got so hot"},
		{"safety", "coe", "found a shard of glass in my salad, I cut my mouth"},
		{"safety", "coe", "the child seat buckle snapped while driving, my daughter could have been killed"},
		{"safety", "coe", "got an electric shock from the washing machine door"},
		{"safety", "coe", "there's a gas smell coming from the new hob, we've opened the windows"},
		{"safety", "coe", "my toddler choked on a piece that broke off the toy"},
		{"safety", "coe", "el cargador empezó a echar humo y se derritió"},
		{"safety", "coe", "le radiateur a pris feu dans la chambre des enfants"},
		{"safety", "coe", "das Ladegerät ist explodiert und hat gebrannt"},
		{"legal_threat", "legal", "I will be taking legal action if this is not refunded by Friday"},
		{"legal_threat", "legal", "my solicitor will be in touch about the damage"},
		{"legal_threat", "legal", "I'm reporting you to trading standards"},
		{"legal_threat", "legal", "taking this to the ombudsman"},
		{"legal_threat", "legal", "see you in small claims court"},
		{"legal_threat", "legal", "I'm going to sue you for the cost of the repairs"},
		{"legal_threat", "legal", "voy a poner una demanda, ya he hablado con mi abogado"},
		{"legal_threat", "legal", "ich schalte meinen Anwalt ein, das wird teuer für Sie"},
		{"press_inquiry", "pr", "I'm a reporter at the Evening News, could someone give us a statement on the recall?"},
		{"press_inquiry", "pr", "journalist here, working on a story about delivery delays. can your press office comment?"},
		{"press_inquiry", "pr", "we're a podcast and would love an interview with someone from your team about the data breach"},
		{"press_inquiry", "pr", "Bonjour, je suis journaliste au Parisien, pourriez-vous commenter la panne ?"},
		{"press_inquiry", "pr", "Sou jornalista da Folha, a empresa pode se posicionar sobre o vazamento?"},
		{"safety", "coe", "the battery in my tablet is swollen and the screen is lifting, is it going to catch fire?"},
		{"legal_threat", "legal", "j'ai contacté mon avocat, vous allez recevoir une mise en demeure"},
		{"legal_threat", "legal", "vou processar a empresa se o dinheiro não for devolvido"},
		{"spam", "none", "get 5k real followers for only $9, instant delivery https://t.co/Ab12Cd34Ef"},
		{"spam", "none", "I earn $900 a day from home with crypto, ask me how 💰"},
		{"spam", "none", "Acme customers: contact our refund desk on telegram, our agents reply in minutes"},
		{"spam", "none", "your account has been flagged, verify your details at https://t.co/Qw3rTy7uIo within 24 hours"},
		{"spam", "none", "I made $4,000 weekly trading from my sofa, message me on whatsapp +1 202 555 0147"},
		{"spam", "none", "grow your page with 20k real tiktok followers for just $15"},
		{"spam", "none", "we are giving away 300 smart watches!! retweet and follow to be picked tonight 🎉"},
		{"spam", "none", "remote assistants wanted, £30/hr, no experience needed, apply at jobs-now-remote.live"},
		{"spam", "none", "Ganhe em casa sem investimento, me chama no privado 👇 https://t.co/Pq7rSt8uVw"},
		{"spam", "none", "hi sweetie, love your page, I can promote it to 30k real fans, DM for the price"},
		{"spam", "none", "Boost: 25,000 followers in 48 hours, guaranteed https://t.co/Cd4eFg5hIj"},
		{"spam", "none", "Your Acme account is on hold. Verify your bank details today to avoid suspension: acme-billing-check.net"},
		{"spam", "none", "melt belly fat with this weird trick doctors hate 👉 https://t.co/Uv6wXy7zAb"},
		{"spam", "none", "cheap essay writing service, plagiarism free, any deadline https://t.co/Ef8gHi9jKl"},
		{"press_inquiry", "pr", "freelance writer here, looking for Acme's response to the price rise reports for a piece this week"},
		{"press_inquiry", "pr", "reporter at a tech site: a photo of a melted charger is going round, does Acme have a statement?"},
		{"safety", "coe", "I can smell gas near the new cooker every time it's on"},
	}
	for _, c := range strong {
		t.Run(c.intent+": "+c.text, func(t *testing.T) {
			p := mkPost("x:@acme_help", c.text)
			res := e.Triage(p)
			if dec := pol.Decide(res.Signals(p)); res.Intent != c.intent || dec.Department != c.department {
				t.Errorf("intent %s, department %s; want %s, %s\n%s", res.Intent, dec.Department, c.intent, c.department, strings.Join(res.Reasons, "; "))
			}
		})
	}
}

// TestSarcasmIsAComplaint: praise words around bad news are how customers
// complain.
func TestSarcasmIsAComplaint(t *testing.T) {
	e, _ := demoEngine(t)
	for _, text := range []string{
		"great, third no-show this week 🙃",
		"love waiting 2 hours on hold",
		"thanks for nothing, the engineer never turned up",
		"oh perfect, the app is down again on payday",
	} {
		if res := e.Triage(mkPost("x:@acme_help", text)); res.Intent != "complaint" {
			t.Errorf("%q: intent %s, want complaint\n%s", text, res.Intent, strings.Join(res.Reasons, "; "))
		}
	}
}
