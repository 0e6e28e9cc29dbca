greeter-hello = Hallo, { $name }!
greeter-items = { $count ->
    [one] Ein Artikel
   *[other] { $count } Artikel
}
